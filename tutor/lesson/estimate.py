"""Estimates how long a lesson takes a newcomer, from what it asks them to do.

Reading at 200 words a minute (story and explain text, quiz questions, choices and explanations,
train-step text and predictions; hints are read only when asked for), 1.5 minutes per quiz to think
and answer, 8 minutes per code step to write and check, and each train step's time budget (issue 15's
rule; a learner who runs a step again with another knob spends more). `validate` warns when a
lesson's `estimated_minutes` is more than 25% away from this.
"""

from __future__ import annotations

from .format import Lesson

WORDS_PER_MINUTE = 200
QUIZ_MINUTES = 1.5
CODE_MINUTES = 8.0
TOLERANCE = 0.25


def _words(text: str | None) -> int:
    return len(text.split()) if text else 0


def words(lesson: Lesson) -> int:
    total = 0
    for step in lesson.steps:
        total += _words(getattr(step, "text", None))
        if step.kind == "quiz":
            total += _words(step.question) + _words(step.explanation)
            total += sum(_words(choice.text) for choice in step.choices or [])
        predict = getattr(step, "predict", None)
        if predict is not None:
            total += _words(predict.question) + _words(predict.why)
            total += sum(_words(choice.text) for choice in predict.choices)
    return total


def minutes(lesson: Lesson) -> float:
    total = words(lesson) / WORDS_PER_MINUTE
    for step in lesson.steps:
        if step.kind == "quiz":
            total += QUIZ_MINUTES
        elif step.kind == "code":
            total += CODE_MINUTES
        elif step.kind == "train":
            total += step.budget.max_seconds / 60
    return total


def estimate_problem(lesson: Lesson) -> str | None:
    """A warning when the written estimate is off by more than 25%, else None."""
    measured = minutes(lesson)
    if abs(lesson.estimated_minutes - measured) <= TOLERANCE * measured:
        return None
    return (f"says {lesson.estimated_minutes} minutes; its {words(lesson):,} words, quizzes, code steps and "
            f"train budgets come to about {round(measured)} (more than 25% apart): write {round(measured)}")
