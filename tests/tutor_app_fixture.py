"""Builds the app for Pilot and snapshot tests from the lessons in tests/app_lessons/."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tutor.app import TutorApp
from tutor.lesson.search import load_library

LESSONS = Path(__file__).resolve().parent / "app_lessons"


def make_app(tmp: Path, *, broken: bool = False, warm: bool = False, **kwargs) -> TutorApp:
    roots = [LESSONS / "tour"] + ([LESSONS / "broken"] if broken else [])
    return TutorApp(library=load_library(roots=roots), progress_path=tmp / "progress.json",
                    settings_path=tmp / "settings.json", warm=warm, **kwargs)


async def wait_for(pilot, condition, timeout: float = 60.0, what: str = "condition") -> None:
    """Let the app run until `condition()` holds: events from a child arrive when they arrive."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await pilot.pause(0.05)


def run(coro):
    return asyncio.run(coro)
