"""Odd command-line inputs get one plain message, before any training, and never replace what they name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "tutor.cli"]
TOUR = Path(__file__).resolve().parent.parent / "app_lessons" / "tour"


def cli(*args, timeout=120, **kwargs):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.mark.parametrize("target", ["/dev/null", "folder"])
def test_csv_to_a_device_or_a_folder_is_refused_before_training(tmp_path, target):
    path = tmp_path if target == "folder" else Path(target)
    before = os.stat(path)
    result = cli("train", "classify", "--max-steps", "500", "--csv", path)
    assert result.returncode == 2 and "--csv" in result.stderr and "Traceback" not in result.stderr
    assert "Training" not in result.stdout  # said at once, not after the run
    after = os.stat(path)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)  # the node is still there


def test_a_forged_checkpoint_is_a_plain_error(tmp_path):
    import torch

    from models.trainer import CHECKPOINT_FORMAT, CHECKPOINT_VERSION

    forged = tmp_path / "forged.pt"
    torch.save({"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "task": "classify",
                "config": {}, "model": {}, "optimizer": {}, "step": "abc"}, forged)
    result = cli("train", "classify", "--resume", forged, "--max-steps", "1")
    assert result.returncode == 2 and "damaged checkpoint (step is 'abc')" in result.stderr
    assert "Traceback" not in result.stderr


def test_more_threads_than_cores_are_capped_with_a_warning():
    result = cli("train", "regress", "--threads", "999", "--max-steps", "2", "--set", "hidden=4")
    assert result.returncode == 0, result.stderr
    assert "more than this machine's" in result.stdout + result.stderr


def test_two_lessons_with_one_id_and_requires_cycles_are_problems(tmp_path):
    for name, new in (("a", "id: tour"), ("b", "id: tour"), ("c", "id: loop-c\nrequires: [loop-d]"),
                      ("d", "id: loop-d\nrequires: [loop-c]")):
        shutil.copytree(TOUR, tmp_path / name)
        file = tmp_path / name / "lesson.yaml"
        file.write_text(file.read_text().replace("id: tour", new, 1))
    result = cli("validate", tmp_path)
    assert result.returncode == 1
    assert "is also the id of" in result.stdout
    assert "require each other" in result.stdout and "loop-c -> loop-d -> loop-c" in result.stdout
