"""Provides job specs: a lesson's train step plus the learner's choices, as the plain dict the engine runs.

The app (through its child process) and `rnn-tutor train` (in-process) both start a run from the
dict built here, so what a teacher runs headless is what a learner sees in the app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.catalog import SETTINGS, SettingError

from .lesson.format import TrainStep


def check_choices(step: TrainStep, requested: dict[str, Any], where: str) -> None:
    """Raise SettingError unless every requested value is tunable in `step` and within its range."""
    locked = [k for k in requested if k not in step.tunable]
    if locked:
        raise SettingError(f"{', '.join(locked)}: not tunable in {where} "
                           f"(tunable: {', '.join(step.tunable) or 'nothing'})")
    for key, value in requested.items():
        tunable = step.tunable[key]
        if tunable.choices is not None and value not in tunable.choices:
            raise SettingError(f"{key}: this step allows {', '.join(map(str, tunable.choices))} (got {value!r})")
        low, high = tunable_range(step, key)
        if low is not None and value < low or high is not None and value > high:
            raise SettingError(f"{key}: this step allows {low:g} to {high:g} (got {value!r})")


def tunable_range(step: TrainStep, key: str) -> tuple[float | None, float | None]:
    """The step's bounds for a numeric knob, falling back to the engine's own range."""
    tunable, setting = step.tunable[key], SETTINGS[key]
    low = tunable.min if tunable.min is not None else setting.minimum
    high = tunable.max if tunable.max is not None else setting.maximum
    return low, high


def _inside(lesson_file: Path, name: str, folder: bool = False) -> Path:
    from models.data import DataError

    from .lesson.paths import LessonPathError, lesson_path

    try:
        return lesson_path(lesson_file.parent, name, folder=folder)
    except LessonPathError as err:
        raise DataError(f"{lesson_file}: {err}") from None


def for_learner_cell(lesson, step: TrainStep) -> TrainStep:
    """The train step as a learner's own cell meets it: with the goal its code step sets (then_train_goal)."""
    for code in lesson.steps:
        if code.kind == "code" and code.then_train == step.id and code.then_train_goal is not None:
            return step.model_copy(update={"goal": code.then_train_goal})
    return step


def step_job(step: TrainStep, lesson_file: Path, choices: dict[str, Any] | None = None,
             device: str | None = None, learner_cell: dict[str, str] | None = None) -> dict[str, Any]:
    """The job for a lesson's train step with the learner's `choices` (already checked); with
    `learner_cell` ({"file", "entry"}) the network is the learner's own cell from a code step."""
    job: dict[str, Any] = {
        "task": step.task,
        "settings": {**step.settings, **(choices or {})},
        "device": device or step.device,
        "max_steps": step.budget.max_steps,
        "max_seconds": step.budget.max_seconds,
        "evals": step.evals,
        "sample_every": step.sample_every,
    }
    # Checked again here, not only when the lesson was validated: a symlink can change in between.
    if step.data.corpus:
        job["corpus"] = str(_inside(lesson_file, step.data.corpus))
    if step.data.names:
        job["names"] = str(_inside(lesson_file, step.data.names, folder=True))
    if step.goal:
        job["goal"] = {"metric": step.goal.metric, "threshold": step.goal.threshold}
    if learner_cell:
        job["learner_cell"] = dict(learner_cell)
    return job
