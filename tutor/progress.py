"""Provides learner progress: per lesson and step id, in the user's data folder, written atomically."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable

from .files import data_dir, write_atomic

VERSION = 1
MAX_BYTES = 20 << 20
"""A progress file is a few kilobytes per lesson; anything this large is not one."""


def _check_shape(data: Any) -> None:
    """Raise ValueError unless `data` is a progress file's structure, all the way down: a file that is
    valid JSON with the wrong types inside would otherwise crash the app at its first lookup."""
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("lessons"), dict):
        raise ValueError("not a progress file this version understands")
    if not isinstance(data.get("last_lesson"), (str, type(None))):
        raise ValueError("last_lesson is not a lesson id")
    for lesson, entry in data["lessons"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("steps", {}), dict) \
                or not isinstance(entry.get("last_step"), (str, type(None))):
            raise ValueError(f"the entry for lesson {lesson!r} is damaged")
        for step, record in entry.get("steps", {}).items():
            if not isinstance(record, dict) or not isinstance(record.get("done", False), bool) \
                    or not isinstance(record.get("attempts", 0), int) or isinstance(record.get("attempts", 0), bool):
                raise ValueError(f"the record of step {lesson}/{step} is damaged")


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
        self.unsaved: str | None = None
        """Why the last save failed (a full or read-only disk); None once a save succeeds again."""
        self.on_save_problem: Callable[[str | None], None] | None = None
        """Told when saving starts failing (the reason) and when it works again (None)."""

    @classmethod
    def load(cls, path: Path | None = None) -> "Progress":
        path = path or default_path()
        if not path.exists():
            return cls(path)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise ValueError(f"it is larger than {MAX_BYTES >> 20} MB")
            data = json.loads(path.read_text(encoding="utf-8"))
            _check_shape(data)
        except RecursionError:
            err = ValueError("it is nested too deeply to be a progress file")
            return cls._keep_aside(path, err)
        except (ValueError, UnicodeDecodeError, OSError) as err:
            return cls._keep_aside(path, err)
        return cls(path, data)

    @classmethod
    def _keep_aside(cls, path: Path, err: Exception) -> "Progress":
        kept = path.with_name(f"progress.corrupt-{time.strftime('%Y%m%d-%H%M%S')}.json")
        try:
            os.replace(path, kept)
            where = f"kept as {kept}"
        except OSError:
            where = "it could not be moved aside"
        return cls(path, notice=f"Your progress file could not be read ({err}); {where}. Starting afresh.")

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

    def adopt(self, lesson: str, formerly: str, steps: set[str]) -> bool:
        """A lesson was split: the records of `steps` move from `formerly` to `lesson` (where it has none
        yet), and "continue" follows them. True when anything moved (the file is then saved)."""
        old = self.data["lessons"].get(formerly, {})
        moving = {step: record for step, record in old.get("steps", {}).items() if step in steps}
        if not moving:
            return False
        entry = self.data["lessons"].setdefault(lesson, {"steps": {}, "last_step": None})
        for step, record in moving.items():
            entry["steps"].setdefault(step, record)
            del old["steps"][step]
        if old.get("last_step") in moving:
            entry["last_step"], old["last_step"] = old["last_step"], None
            if self.data.get("last_lesson") == formerly:
                self.data["last_lesson"] = lesson
        self.save()
        return True

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

    def save(self) -> bool:
        """Write the file; on a full or read-only disk keep going in memory and say so once (the next
        save tries again, and says when it works)."""
        try:
            write_atomic(self.path, json.dumps(self.data, indent=1, sort_keys=True))
        except OSError as err:
            reason = err.strerror or str(err)
            if self.unsaved is None and self.on_save_problem is not None:
                self.on_save_problem(reason)
            self.unsaved = reason
            return False
        if self.unsaved is not None:
            self.unsaved = None
            if self.on_save_problem is not None:
                self.on_save_problem(None)
        return True
