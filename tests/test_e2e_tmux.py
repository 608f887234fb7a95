"""The real `rnn-tutor` in a real terminal (tmux): keys in, screen text out, a clean exit."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux)")]


class Terminal:
    def __init__(self, session: str, command: str, env: dict[str, str], size=(100, 30)):
        self.session = session
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]),
                        f"env {exports} {command}; echo EXIT-CODE-$?; sleep 60"], check=True)

    def screen(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.session], capture_output=True, text=True)
        return out.stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.session, *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)


def test_a_learner_opens_a_lesson_walks_it_answers_and_quits(tmp_path):
    tutor = Path(sys.executable).with_name("rnn-tutor")
    env = {"XDG_DATA_HOME": tmp_path / "data", "XDG_CONFIG_HOME": tmp_path / "config", "TERM": "xterm-256color"}
    term = Terminal("rnn-tutor-e2e", f"{tutor} --lessons {HERE / 'app_lessons' / 'tour'}",
                    {k: str(v) for k, v in env.items()})
    try:
        home = term.wait_for("Pick a story")
        assert "Dracula" in home
        built_in = len(list((HERE.parent / "lessons").glob("*/lesson.yaml")))
        for _ in range(built_in + 1):  # from the continue button past the built-in cards to the tour's
            term.keys("Tab")
        term.keys("Enter")
        term.wait_for("The keeper arrives")
        term.keys("n")
        term.wait_for("A memory in a loop")
        term.keys("n")
        term.wait_for("Which cell keeps a memory")
        term.keys("2")  # number keys pick a choice; the second one is right
        term.keys("c")
        term.wait_for("Right.")
        term.keys("q")
        term.wait_for("EXIT-CODE-0", timeout=10)
    finally:
        term.close()
    progress = (tmp_path / "data" / "rnn-tutor" / "progress.json").read_text()
    assert '"which-cell"' in progress and '"done": true' in progress
