"""Judges a train step's `predict:` choices against the finished run (one summary per lane).

A prediction is about the run the learner started, with the settings they chose: it holds when every
condition of its `held` is true of the run's summaries. A run the learner stopped before its budget
was spent (and before the goal) cannot say whether a goal would have been missed or where a metric
would have ended: such a condition is untested (None), not false.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .format import Held, Predict

FINISHED = ("goal", "max_steps", "max_seconds")
"""Stop reasons of a run that went to its end (the goal or the budget)."""


def _diverged(summary: dict[str, Any]) -> bool:
    return (summary.get("failed") or {}).get("kind") == "diverged"


def _finished(summary: dict[str, Any]) -> bool:
    """The run went to its end: the goal, the budget, or a divergence (an outcome too: the loss blew up)."""
    return summary.get("stopped_by") in FINISHED or _diverged(summary)


def _reached(summary: dict[str, Any]) -> dict[str, Any] | None:
    return (summary.get("goal") or {}).get("reached")


def _value(summary: dict[str, Any], metric: str) -> float | None:
    value = summary.get("val_loss") if metric == "val_loss" else (summary.get("metrics") or {}).get(metric)
    if _diverged(summary) and (value is None or value != value) and metric.endswith(("loss", "mse")):
        return float("inf")  # a loss that blew up is above any line
    return value


def _first(summaries: dict[str, dict[str, Any]]) -> str:
    """The lane that reached the goal soonest (by seconds), or "none"."""
    reached = {name: _reached(s) for name, s in summaries.items()}
    done = {name: r["seconds"] for name, r in reached.items() if r}
    return min(done, key=done.get) if done else "none"


def held(condition: Held, summaries: dict[str, dict[str, Any]]) -> bool | None:
    """True or False for the run, or None when the run was stopped too early (or failed) to tell."""
    if not summaries:
        return None
    lanes = {condition.lane: summaries[condition.lane]} if condition.lane in summaries else summaries
    finished = all(_finished(s) for s in summaries.values())
    results: list[bool | None] = []
    if condition.goal is not None:
        reached = any(_reached(s) for s in lanes.values())
        if condition.goal == "reached":
            results.append(True if reached else (False if finished else None))
        else:
            results.append(False if reached else (True if finished else None))
    if condition.metric is not None:
        values = [v for v in (_value(s, condition.metric) for s in lanes.values()) if v is not None]
        ok = any((condition.below is None or v < condition.below) and
                 (condition.above is None or v > condition.above) for v in values)
        results.append(ok if finished and values else None)
    if condition.first is not None:
        wanted = [condition.first] if isinstance(condition.first, str) else list(condition.first)
        first = _first(summaries)
        if first == "none" and not finished:
            results.append(None)
        else:
            results.append(first in wanted)
    if False in results:
        return False
    return None if None in results else True


@dataclass
class Verdict:
    chosen: int
    held: bool | None
    """The learner's prediction: held, did not, or untested (the run was stopped early)."""
    outcomes: list[bool | None]
    """Every choice's result, so the learner sees which prediction would have held."""

    def line(self, predict: Predict) -> str:
        """One sentence in plain text (the caller escapes it for markup)."""
        said = predict.choices[self.chosen].text
        if self.held is None:
            return f"You predicted: {said}. The run was stopped before its end, so it could not tell."
        right = [c.text for c, ok in zip(predict.choices, self.outcomes) if ok]
        if self.held:
            return f"Your prediction held: {said}."
        what = f" What held: {right[0]}." if len(right) == 1 else (
            " What held: " + "; ".join(right) + "." if right else "")
        return f"Your prediction did not hold: {said}.{what}"


def judge(predict: Predict, chosen: int, summaries: dict[str, dict[str, Any]]) -> Verdict:
    outcomes = [held(choice.held, summaries) for choice in predict.choices]
    return Verdict(chosen, outcomes[chosen], outcomes)
