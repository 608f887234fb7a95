"""Provides learner progress: per lesson and step id, in the user's data folder, written atomically."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from .files import data_dir, write_atomic

VERSION = 1


def default_path() -> Path:
    return data_dir() / "progress.json"


class Progress:
    """What a learner has done, keyed by stable ids (never positions), so edited lessons keep it.

    `Progress.load` never fails on a damaged file: it keeps the file aside, starts afresh and
    says so in `notice`, because losing the ability to start the app is worse than a reset.
    """

    def __init__(self, path: Path, data: dict[str, Any] | None = None, notice: str | None = None):
        self.path = path
        self.data = data or {"version": VERSION, "lessons": {}, "last_lesson": None}
        self.notice = notice

    @classmethod
    def load(cls, path: Path | None = None) -> "Progress":
        path = path or default_path()
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("lessons"), dict):
                raise ValueError("not a progress file this version understands")
        except (ValueError, UnicodeDecodeError, OSError) as err:
            kept = path.with_name(f"progress.corrupt-{time.strftime('%Y%m%d-%H%M%S')}.json")
            try:
                os.replace(path, kept)
                where = f"kept as {kept}"
            except OSError:
                where = "it could not be moved aside"
            return cls(path, notice=f"Your progress file could not be read ({err}); {where}. Starting afresh.")
        return cls(path, data)

    def _step(self, lesson: str, step: str) -> dict[str, Any]:
        entry = self.data["lessons"].setdefault(lesson, {"steps": {}, "last_step": None})
        return entry["steps"].setdefault(step, {"done": False, "attempts": 0})

    def visit(self, lesson: str, step: str) -> None:
        """Remember where the learner is, for "continue where you stopped"."""
        self._step(lesson, step)
        self.data["lessons"][lesson]["last_step"] = step
        self.data["last_lesson"] = lesson
        self.save()

    def attempt(self, lesson: str, step: str) -> int:
        record = self._step(lesson, step)
        record["attempts"] += 1
        self.save()
        return record["attempts"]

    def complete(self, lesson: str, step: str, summary: dict[str, Any] | None = None) -> None:
        record = self._step(lesson, step)
        record["done"] = True
        record["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        if summary is not None:
            record["summary"] = summary
        self.save()

    def done(self, lesson: str) -> set[str]:
        steps = self.data["lessons"].get(lesson, {}).get("steps", {})
        return {step for step, record in steps.items() if record.get("done")}

    def last_position(self) -> tuple[str, str | None] | None:
        lesson = self.data.get("last_lesson")
        if lesson is None:
            return None
        return lesson, self.data["lessons"].get(lesson, {}).get("last_step")

    def reset_step(self, lesson: str, step: str) -> None:
        self.data["lessons"].get(lesson, {}).get("steps", {}).pop(step, None)
        self.save()

    def reset_lesson(self, lesson: str) -> None:
        self.data["lessons"].pop(lesson, None)
        if self.data.get("last_lesson") == lesson:
            self.data["last_lesson"] = None
        self.save()

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.data, indent=1, sort_keys=True))
