"""Provides the lesson search path: built-in lessons, the user's data folder, then extra folders."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..files import data_dir
from .format import Lesson
from .load import Problem, load_lesson, position_of

ENV_VAR = "RNN_TUTOR_LESSONS"


def builtin_dir() -> Path:
    """lessons/ ships beside tutor/ both in a checkout and in an installed wheel."""
    return Path(__file__).resolve().parent.parent.parent / "lessons"


def user_dir() -> Path:
    return data_dir() / "lessons"


def search_path(extra: list[str | Path] | None = None) -> list[Path]:
    """Built-in, then the user's folder, then `--lessons` folders, then $RNN_TUTOR_LESSONS."""
    env = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    roots = [builtin_dir(), user_dir(), *(Path(p) for p in extra or []), *(Path(p) for p in env)]
    unique: list[Path] = []
    for root in roots:
        if root.resolve() not in [u.resolve() for u in unique]:
            unique.append(root)
    return unique


def lesson_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if (root / "lesson.yaml").is_file():
        return [root / "lesson.yaml"]
    return sorted(root.glob("*/lesson.yaml")) if root.is_dir() else []


@dataclass
class Library:
    """Every lesson found, by id, and every problem met on the way (the others still load)."""

    lessons: dict[str, Lesson] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    broken: list[Path] = field(default_factory=list)


def load_library(extra: list[str | Path] | None = None, roots: list[Path] | None = None) -> Library:
    """Every lesson on the search path (or exactly in `roots`, for tests and tools)."""
    library = Library()
    for root in roots if roots is not None else search_path(extra):
        for file in lesson_files(root):
            lesson, problems = load_lesson(file)
            if lesson is None:
                library.problems += problems
                library.broken.append(file)
                continue
            if lesson.id in library.lessons:
                first = library.files[lesson.id]
                library.problems.append(Problem(file, None, None, "id", (
                    f"another lesson already has the id {lesson.id!r} ({first}); rename one of them")))
                library.broken.append(file)
                continue
            library.lessons[lesson.id] = lesson
            library.files[lesson.id] = file
    for lesson_id, lesson in library.lessons.items():
        for n, needed in enumerate(lesson.requires):
            if needed not in library.lessons:
                file = library.files[lesson_id]
                library.problems.append(Problem(file, *position_of(file, ("requires", n)), f"requires[{n}]",
                                                f"no lesson with the id {needed!r} on the search path"))
    library.lessons = {lesson_id: library.lessons[lesson_id] for lesson_id in in_order(library.lessons)}
    return library


def in_order(lessons: dict[str, Lesson]) -> list[str]:
    """Lesson ids with every lesson after the ones it `requires` (as far as they are there and form no
    cycle); otherwise in the order found. The picker lists them so, and a card says what comes first."""
    placed: list[str] = []
    visiting: set[str] = set()

    def place(lesson_id: str) -> None:
        if lesson_id in placed or lesson_id in visiting or lesson_id not in lessons:
            return
        visiting.add(lesson_id)
        for needed in lessons[lesson_id].requires:
            place(needed)
        visiting.discard(lesson_id)
        placed.append(lesson_id)

    for lesson_id in lessons:
        place(lesson_id)
    return placed
