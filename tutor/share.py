"""Provides shareable runs: the one-line recipe that replays a run, and the CSV of its curve.

A recipe names what ran (a lesson's train step, or an engine task), every setting the engine
resolved (seed included) and the device, as shell-quoted `key=value` words after the target:

    dracula/visitors cell=elman hidden=128 lr=0.003 ... seed=0 device=cpu

Every setting is written, not only the ones that differ from the lesson, so a recipe still
replays the same run after a lesson's defaults change. A race writes its cells as one list
(`cell=rnn,lstm,gru`); `rnn-tutor train --recipe` trains them one after another.
Imports neither torch nor textual: the app and the headless command both use it.
"""

from __future__ import annotations

import csv
import difflib
import io
import shlex
from dataclasses import dataclass, field
from typing import Any, Iterable

from models.catalog import SETTINGS, SettingError, parse_assignments, settings_for

SPECIAL = ("device", "code", "entry")
"""Words of a recipe that are not engine settings: where it ran, and a learner's own cell."""


def _word(key: str, value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = repr(value)  # the shortest text that reads back as the same float
    else:
        text = str(value)
    return shlex.quote(f"{key}={text}")


def format_recipe(target: str, config: dict[str, Any], device: str,
                  cells: list[str] | None = None, learner_cell: dict[str, str] | None = None) -> str:
    """One line: target, every setting in the catalog's order, then the device."""
    words = [target]
    for key in SETTINGS:
        if key == "cell" and cells and len(cells) > 1:
            words.append(_word("cell", ",".join(cells)))
        elif key in config:
            words.append(_word(key, config[key]))
    words.append(_word("device", device))
    if learner_cell:
        words += [_word("code", learner_cell["file"]), _word("entry", learner_cell["entry"])]
    return " ".join(words)


@dataclass
class Recipe:
    """A parsed recipe; `assignments` are still text, checked against the task by `settings()`."""

    target: str
    assignments: dict[str, str] = field(default_factory=dict)
    device: str | None = None
    learner_cell: dict[str, str] | None = None

    @property
    def cells(self) -> list[str]:
        """The cells to train: one, or a race's list."""
        raw = self.assignments.get("cell")
        return [c.strip() for c in raw.split(",") if c.strip()] if raw else []

    def settings(self, task: str, cell: str | None = None) -> dict[str, Any]:
        """Checked values for `task` (cell: which one of a race's list)."""
        words = [f"{k}={v}" for k, v in self.assignments.items() if k != "cell"]
        chosen = cell or (self.cells[0] if self.cells else None)
        if chosen is not None:
            words.append(f"cell={chosen}")
        return parse_assignments(task, words)


def parse_recipe(text: str) -> Recipe:
    """Read a recipe; raise SettingError saying what is wrong with it (and where)."""
    try:
        words = shlex.split(text.strip())
    except ValueError as err:
        raise SettingError(f"recipe: {err} (paste it whole, in double quotes)") from None
    if not words:
        raise SettingError("recipe: empty; it starts with lesson/step or a task, e.g. "
                           "\"dracula/visitors cell=gru seed=0 device=cpu\"")
    target, rest = words[0], words[1:]
    if "=" in target:
        raise SettingError(f"recipe: starts with {target!r}; it must start with lesson/step or a task name")
    recipe = Recipe(target)
    code = entry = None
    for word in rest:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise SettingError(f"recipe: {word!r}: expected key=value")
        if key in recipe.assignments or (key == "device" and recipe.device is not None):
            raise SettingError(f"recipe: {key} is given twice")
        if key == "device":
            recipe.device = value
        elif key == "code":
            code = value
        elif key == "entry":
            entry = value
        elif key in SETTINGS:
            recipe.assignments[key] = value
        else:
            close = difflib.get_close_matches(key, list(SETTINGS) + list(SPECIAL), n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise SettingError(f"recipe: {key}: not a setting{hint} (settings: {', '.join(SETTINGS)})")
    if (code is None) != (entry is None):
        raise SettingError("recipe: code= and entry= go together (the file and the class it trains)")
    if code is not None:
        recipe.learner_cell = {"file": code, "entry": entry}
    return recipe


def check_task_settings(recipe: Recipe, task: str) -> None:
    """Every word of the recipe must apply to `task` and hold a value the engine takes."""
    allowed = settings_for(task)
    wrong = [k for k in recipe.assignments if k not in allowed]
    if wrong:
        raise SettingError(f"recipe: {', '.join(wrong)}: does not apply to the {task} task")
    for cell in recipe.cells or [None]:
        recipe.settings(task, cell)


CSV_HEADER = ("step", "train_loss", "val_loss", "metric")


def curve_csv(losses: Iterable[float], first_step: int, evals: Iterable[tuple[int, float, float | None]],
              cell: str | None = None) -> str:
    """The run as CSV: one row per training step (its loss), with the evaluation's val loss and
    goal metric on the steps where one ran. `evals`: (step, val_loss, metric or None)."""
    by_step = {step: (val, metric) for step, val, metric in evals}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((("cell",) if cell else ()) + CSV_HEADER)
    for offset, loss in enumerate(losses, 1):
        step = first_step + offset
        val, metric = by_step.get(step, (None, None))
        writer.writerow((((cell,) if cell else ()) + (
            step, repr(float(loss)), "" if val is None else repr(float(val)),
            "" if metric is None else repr(float(metric)))))
    return out.getvalue()


def join_csv(parts: list[str]) -> str:
    """Several runs' CSV (a race: one per cell) as one table with a single header."""
    if not parts:
        return ""
    first, *rest = parts
    return first + "".join(p.split("\n", 1)[1] for p in rest)
