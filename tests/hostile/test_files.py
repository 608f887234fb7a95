"""Files the app reads and writes: a damaged progress file and a disk that refuses writes lose nothing."""

from __future__ import annotations

import json
import os

import pytest

from tutor.progress import Progress
from tutor_app_fixture import make_app, run

BAD_PROGRESS = {
    "wrong inner types": {"version": 1, "lessons": {"tour": {"steps": {"arrival": "done"}, "last_step": 3}},
                          "last_lesson": ["tour"]},
    "steps not a mapping": {"version": 1, "lessons": {"tour": {"steps": [1, 2]}}, "last_lesson": "tour"},
    "attempts a string": {"version": 1, "lessons": {"tour": {"steps": {"a": {"done": True, "attempts": "9"}}}},
                          "last_lesson": None},
}


@pytest.mark.parametrize("case", [*BAD_PROGRESS, "nested 100k deep"])
def test_a_damaged_progress_file_is_kept_aside_and_the_app_starts(tmp_path, case):
    path = tmp_path / "progress.json"
    path.write_text("[" * 100_000 + "]" * 100_000 if case == "nested 100k deep" else json.dumps(BAD_PROGRESS[case]))

    async def scenario():
        app = make_app(tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert app.progress.notice and "kept as" in app.progress.notice
            await pilot.press("c")  # continue: the first step of the tour, from a fresh start
            await pilot.pause()
            assert app.screen.step.id == "arrival"
        assert list(tmp_path.glob("progress.corrupt-*.json"))

    run(scenario())


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a read-only folder anyway")
def test_a_read_only_data_folder_keeps_the_learner_going_and_says_so(tmp_path):
    _read_only_scenario(tmp_path, lambda folder: folder.chmod(0o500))


def test_a_disk_that_refuses_writes_keeps_the_learner_going_and_says_so(tmp_path, monkeypatch):
    """A full disk, as root sees it too: every write fails with ENOSPC; then space comes back."""
    import tutor.files

    real = tutor.files.write_atomic
    full = {"on": False}

    def write(path, text):
        if full["on"]:
            raise OSError(28, "No space left on device")
        return real(path, text)

    monkeypatch.setattr("tutor.progress.write_atomic", write)
    monkeypatch.setattr("tutor.settings.write_atomic", write)
    monkeypatch.setattr("tutor.widgets.code_step.write_atomic", write)
    _read_only_scenario(tmp_path, lambda folder: full.update(on=True), lambda: full.update(on=False))


def _read_only_scenario(tmp_path, break_disk, mend_disk=None):
    async def scenario():
        app = make_app(tmp_path, open_target="tour")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            before = (tmp_path / "progress.json").read_text()
            break_disk(tmp_path)
            await pilot.press("n", "n", "p", "o")  # step changes save progress; o saves options
            await pilot.press("escape")
            await pilot.pause()
            assert app.is_running and app.screen.step.id == "memory"
            assert app.progress.unsaved
            messages = [n.message for n in app._notifications]
            assert sum("progress cannot be saved" in m for m in messages) == 1  # once, not at every step
            assert sum("options apply now but cannot be saved" in m for m in messages) <= 1
            assert (tmp_path / "progress.json").read_text() == before  # the old file is whole
            assert "arrival" in app.progress.done("tour")  # kept in memory meanwhile
            if mend_disk:
                mend_disk()
                await pilot.press("n")
                await pilot.pause()
                assert app.progress.unsaved is None
                assert any("saved again" in n.message for n in app._notifications)
                assert json.loads((tmp_path / "progress.json").read_text())["lessons"]["tour"]["last_step"]

    run(scenario())


def test_a_progress_file_too_large_is_not_read(tmp_path):
    path = tmp_path / "progress.json"
    with open(path, "wb") as f:
        f.truncate(30 << 20)
    progress = Progress.load(path)
    assert progress.notice and "larger than" in progress.notice
