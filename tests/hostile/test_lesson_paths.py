"""Paths in a lesson stay inside its folder and lead to files; code from outside runs only when trusted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tutor.lesson.load import load_lesson

HERE = Path(__file__).resolve().parent
TOUR = HERE.parent / "app_lessons" / "tour"
CLI = [sys.executable, "-m", "tutor.cli"]


def tour_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "tour"
    shutil.copytree(TOUR, folder)
    file = folder / "lesson.yaml"
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new))
    return file


@pytest.mark.parametrize("corpus,expected", [
    ("../../../../../../etc/passwd", "must stay inside the lesson's folder"),
    ("/etc/passwd", "not an absolute path"),
    ("zero.txt", "it leads to /dev/zero"),  # a symlink is followed, then confined
    ("fifo.txt", "not a regular file"),
])
def test_a_corpus_outside_the_folder_or_not_a_file_is_a_problem(tmp_path, corpus, expected):
    file = tour_with(tmp_path, "data: {corpus: corpus.txt}", f"data: {{corpus: {corpus}}}")
    os.symlink("/dev/zero", file.parent / "zero.txt")
    os.mkfifo(file.parent / "fifo.txt")
    started = time.monotonic()
    lesson, problems = load_lesson(file)
    assert lesson is None and time.monotonic() - started < 5  # nothing read forever, nothing blocked
    assert any("data.corpus" in str(p) and expected in str(p) for p in problems), [str(p) for p in problems]


def test_reading_a_fifo_or_an_endless_device_as_a_corpus_fails_at_once(tmp_path):
    from models.data import DataError
    from models.data.text import read_text

    os.mkfifo(tmp_path / "fifo")
    for path in (tmp_path / "fifo", Path("/dev/zero")):
        started = time.monotonic()
        with pytest.raises(DataError, match="not a regular file"):
            read_text(path)
        assert time.monotonic() - started < 2
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(50 << 20)
    with pytest.raises(DataError, match="at most"):
        read_text(big)


def test_a_names_folder_with_a_hundred_thousand_classes_is_refused_before_any_allocation(tmp_path):
    from models.data import DataError
    from models.data.names import load_names_dir

    folder = tmp_path / "names"
    folder.mkdir()
    for n in range(1000):
        (folder / f"C{n}.txt").write_text("Ann\n")
    with pytest.raises(DataError, match="at most"):
        load_names_dir(folder)


def test_a_recipe_does_not_import_code_from_outside_without_trust(tmp_path):
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.py"
    evil.write_text(f"open({str(marker)!r}, 'w').close()\nclass Cell: pass\n")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run([*CLI, "train", "--recipe", f"dracula/visitors code={evil} entry=Cell seed=0",
                             "--max-steps", "1"], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode != 0 and "--trust" in result.stderr
    assert not marker.exists()


def test_check_runs_no_code_of_an_untrusted_lesson(tmp_path):
    marker = tmp_path / "ran"
    made = subprocess.run([*CLI, "new", "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    solutions = [p for p in (tmp_path / "demo").rglob("*.py") if "solution" in p.name]
    assert solutions
    for solution in solutions:
        solution.write_text(f"open({str(marker)!r}, 'w').close()\n" + solution.read_text())
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run([*CLI, "check", "demo", "--steps", "1"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode == 1 and "not run:" in result.stdout
    assert not marker.exists()
