"""Learner progress: keyed by ids, atomic, and never lost to a damaged file."""

import json

import pytest

from tutor.progress import Progress


def test_round_trip_by_ids(tmp_path):
    path = tmp_path / "progress.json"
    p = Progress.load(path)
    assert p.notice is None and p.last_position() is None
    p.visit("dracula", "silent-creature")
    p.attempt("dracula", "which-loss")
    p.complete("dracula", "which-loss")
    p.complete("dracula", "visitors", {"val_loss": 0.6, "device": "cpu"})
    p.visit("dracula", "learn-to-speak")
    again = Progress.load(path)
    assert again.done("dracula") == {"which-loss", "visitors"}
    assert again.last_position() == ("dracula", "learn-to-speak")
    assert again.data["lessons"]["dracula"]["steps"]["visitors"]["summary"]["device"] == "cpu"
    again.reset_step("dracula", "visitors")
    assert Progress.load(path).done("dracula") == {"which-loss"}
    again.reset_lesson("dracula")
    assert Progress.load(path).done("dracula") == set() and Progress.load(path).last_position() is None
    assert not list(tmp_path.glob(".progress-*"))  # no temporary files left behind


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'{"version": 99, "lessons": {}}'])
def test_a_damaged_file_is_kept_aside_and_a_fresh_one_started(tmp_path, content):
    path = tmp_path / "progress.json"
    path.write_bytes(content)
    p = Progress.load(path)
    assert p.notice and "Starting afresh" in p.notice
    kept = list(tmp_path.glob("progress.corrupt-*.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == content
    p.visit("oz", "storm")
    assert json.loads(path.read_text())["last_lesson"] == "oz"


def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    p = Progress.load(path)
    p.complete("oz", "storm")
    before = path.read_text()

    def disk_full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("tutor.files.os.fsync", disk_full)  # fails after the temporary file is written
    p.complete("oz", "forecast")  # no exception: the learner goes on, and is told (see tests/hostile)
    assert p.unsaved == "disk full"
    assert path.read_text() == before
    assert not list(tmp_path.glob(".progress-*"))


def test_a_split_lesson_takes_its_steps_progress_along(tmp_path):
    from tutor.progress import Progress

    progress = Progress.load(tmp_path / "progress.json")
    for step in ("candle", "ledger", "two-readers"):
        progress.complete("frankenstein", step)
    progress.visit("frankenstein", "two-readers")
    assert progress.adopt("frankenstein-2", "frankenstein", {"two-readers", "pigeonholes"})
    again = Progress.load(tmp_path / "progress.json")  # saved
    assert again.done("frankenstein") == {"candle", "ledger"}
    assert again.done("frankenstein-2") == {"two-readers"}
    assert again.last_position() == ("frankenstein-2", "two-readers")
    assert not again.adopt("frankenstein-2", "frankenstein", {"two-readers"})  # nothing left to move
