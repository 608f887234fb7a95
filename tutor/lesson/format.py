"""Provides the typed lesson format: a lesson and its steps, a union on `kind`.

Imports neither textual nor torch; the engine's names (tasks, cells, settings, metrics) come from
`models.catalog`, which is plain data. Unknown keys are errors everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

import difflib

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from models.catalog import CELLS, METRICS, SETTINGS, TASKS, SettingError, settings_for, task_info

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=64,
                          description="stable id: lower-case letters, digits and hyphens")]


SYNONYMS = {
    "learning_rate": "lr", "lerning_rate": "lr", "hidden_size": "hidden", "num_layers": "layers",
    "batch_size": "batch", "seq_len": "seq", "sequence_length": "seq", "embedding": "embed",
    "embed_size": "embed", "clip_grad": "clip", "grad_clip": "clip", "optimiser": "optimizer",
    "steps": "max_steps", "seconds": "max_seconds", "rnn_type": "cell", "cell_type": "cell",
}
"""Names from other tutorials and frameworks, mapped to ours, for "did you mean" hints."""


def suggest(key: str, allowed: list[str]) -> str:
    """"; did you mean 'lr'?" for a near miss or a known synonym, else ""."""
    if SYNONYMS.get(key) in allowed:
        return f"; did you mean {SYNONYMS[key]!r}?"
    close = difflib.get_close_matches(key, allowed + list(SYNONYMS), n=1, cutoff=0.7)
    if close and SYNONYMS.get(close[0], close[0]) in allowed:
        return f"; did you mean {SYNONYMS.get(close[0], close[0])!r}?"
    return ""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Teaching(Strict):
    teaches: list[str] = Field(default_factory=list,
                               description="the concepts this step teaches (tags; tests check a lesson's list)")


class Hinted(Teaching):
    hints: list[str] = Field(default_factory=list, description="revealed one at a time, in order")


class StoryStep(Teaching):
    kind: Literal["story"]
    id: Id
    title: str = Field(description="shown in the step list")
    text: str = Field(description="Markdown prose")


class ExplainStep(Teaching):
    kind: Literal["explain"]
    id: Id
    title: str = Field(description="shown in the step list")
    text: str = Field(description="Markdown with fenced code blocks (highlighted)")
    diagram: str | None = Field(None, description="optional text diagram, shown in a box")


class Choice(Strict):
    text: str = Field(description="what the learner sees")
    correct: bool = Field(False, description="one or several choices may be correct")
    why: str | None = Field(None, description="shown after answering, for this choice")


class NumberAnswer(Strict):
    type: Literal["number"]
    value: float = Field(description="the right number")
    tolerance: float = Field(0.0, ge=0, description="answers within this distance count")


class ShapeAnswer(Strict):
    type: Literal["shape"]
    value: str = Field(description="a tensor shape such as (1, 3, 20)")

    @field_validator("value")
    @classmethod
    def _is_shape(cls, value: str) -> str:
        from .answers import parse_shape

        if parse_shape(value) is None:
            raise ValueError("expected a shape such as (1, 3, 20)")
        return value


class TextAnswer(Strict):
    type: Literal["text"]
    accept: list[str] = Field(min_length=1, description="accepted answers (case and spaces ignored)")


Answer = Annotated[Union[NumberAnswer, ShapeAnswer, TextAnswer], Field(discriminator="type")]


class QuizStep(Hinted):
    kind: Literal["quiz"]
    id: Id
    title: str = Field(description="shown in the step list")
    question: str = Field(description="Markdown")
    choices: list[Choice] | None = Field(None, description="give choices or an answer, not both")
    answer: Answer | None = Field(None, description="a typed answer: number, shape or text")
    explanation: str | None = Field(None, description="shown after the learner answers")

    @model_validator(mode="after")
    def _one_way_to_answer(self):
        if (self.choices is None) == (self.answer is None):
            raise ValueError("give either choices or an answer (exactly one of them)")
        if self.choices is not None:
            if len(self.choices) < 2:
                raise ValueError("choices: give at least two")
            if not any(c.correct for c in self.choices):
                raise ValueError("choices: mark at least one choice correct: true")
        return self


class Budget(Strict):
    max_steps: int = Field(gt=0, description="stop after this many steps")
    max_seconds: float = Field(gt=0, description="stop after this many seconds")


class Goal(Strict):
    metric: str = Field(description=f"one of: {', '.join(METRICS)}")
    threshold: float

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown metric {value!r}; choose one of: {', '.join(METRICS)}")
        return value


class Tunable(Strict):
    min: float | None = None
    max: float | None = None
    choices: list[Any] | None = None
    log: bool = False
    live: bool = Field(False, description="changes act on the running job without a restart")


class Data(Strict):
    corpus: str | None = Field(None, description="char-lm: a text file, relative to the lesson")
    names: str | None = Field(None, description="classify: a folder of <Class>.txt files")


class Held(Strict):
    """When a predicted outcome held, judged on the finished run; every condition given must hold."""

    goal: Literal["reached", "missed"] | None = Field(None, description="the run reached (or missed) the step's goal")
    metric: str | None = Field(None, description="a metric the task reports; its final value is compared")
    below: float | None = Field(None, description="with metric: the final value is below this")
    above: float | None = Field(None, description="with metric: the final value is above this")
    first: str | list[str] | None = Field(None, description="races: the cell (or one of the cells) that "
                                          "reached the goal first; none when no cell did")
    lane: str | None = Field(None, description="races: the cell whose goal or metric is meant (default: any cell)")

    @model_validator(mode="after")
    def _says_something(self):
        if self.metric is None and (self.below is not None or self.above is not None):
            raise ValueError("below/above compare a metric: name it with metric")
        if self.metric is not None and self.below is None and self.above is None:
            raise ValueError(f"metric {self.metric}: say below or above what value")
        if self.goal is None and self.metric is None and self.first is None:
            raise ValueError("give goal, metric or first: what must happen for this prediction to hold")
        return self


class PredictChoice(Strict):
    text: str = Field(description="the outcome the learner may predict")
    held: Held = Field(description="what the finished run must show for this prediction to hold")


class Predict(Strict):
    question: str = Field(description="asked before Start; Markdown")
    choices: list[PredictChoice] = Field(min_length=2, max_length=9, description="the outcomes to choose from")
    why: str | None = Field(None, description="shown with the verdict once the run has finished")


PANEL_PARTS: tuple[str, ...] = ("controls", "goal", "device", "hints", "progress", "samples", "recipe")
"""Parts of the train panel a step may hide in presenter mode (besides its own knobs, by name)."""


class TrainStep(Hinted):
    kind: Literal["train"]
    id: Id
    title: str = Field(description="shown in the step list")
    text: str | None = Field(None, description="Markdown shown beside the training panel")
    task: str = Field(description=f"one of: {', '.join(TASKS)}")
    data: Data = Field(default_factory=Data)
    settings: dict[str, Any] = Field(default_factory=dict,
                                     description="engine settings (cell, hidden, lr, ...)")
    budget: Budget
    device: str = Field("auto", description="auto, cpu, cuda, cuda:N or mps; auto picks the best there is")
    evals: int = Field(10, gt=0, description="evaluations spread over the budget")
    sample_every: float | None = Field(None, gt=0, description="seconds between live samples "
                                       "(besides one at each evaluation)")
    tunable: dict[str, Tunable] = Field(default_factory=dict)
    goal: Goal | None = None
    predict: Predict | None = Field(None, description="a prediction the learner commits to before Start, "
                                    "checked against the finished run")
    hide: list[str] = Field(default_factory=list, description=(
        "presenter mode: what to remove from the projected panel: a tunable's name, or "
        + ", ".join(PANEL_PARTS)))

    @field_validator("hide")
    @classmethod
    def _hides_what_is_there(cls, value: list[str], info: ValidationInfo) -> list[str]:
        tunable = info.data.get("tunable") or {}
        allowed = list(PANEL_PARTS) + list(tunable)
        for name in value:
            if name not in allowed:
                raise ValueError(f"{name!r} is not part of this step's panel{suggest(name, allowed)} "
                                 f"(it may hide: {', '.join(allowed)})")
        return value

    @field_validator("task")
    @classmethod
    def _known_task(cls, value: str) -> str:
        task_info(value)  # the engine's own "unknown task ...; choose one of ..." message
        return value

    @model_validator(mode="after")
    def _goal_reachable(self):
        if self.goal is None:
            return self
        metrics = TASKS[self.task].metrics
        if self.goal.metric not in metrics:
            raise ValueError(f"goal.metric: the {self.task} task reports {', '.join(metrics)}, "
                             f"not {self.goal.metric}")
        if self.goal.metric in ("accuracy", "balanced_accuracy", "word_rate") and not 0 < self.goal.threshold <= 1:
            raise ValueError(f"goal.threshold: {self.goal.metric} is a share between 0 and 1 "
                             f"(got {self.goal.threshold:g})")
        if self.goal.metric.endswith(("loss", "mse")) and self.goal.threshold <= 0:
            raise ValueError(f"goal.threshold: a loss never reaches {self.goal.threshold:g}; give a value above 0")
        return self

    @model_validator(mode="after")
    def _predictions_can_be_judged(self):
        if self.predict is None:
            return self
        metrics = TASKS[self.task].metrics
        cell = self.tunable.get("cell")
        lanes = [str(c) for c in cell.choices] if self.task == "recall" and cell and cell.choices and \
            len(cell.choices) > 1 else []
        for n, choice in enumerate(self.predict.choices):
            held, where = choice.held, f"predict.choices[{n}].held"
            if held.goal is not None and self.goal is None:
                raise ValueError(f"{where}.goal: this step has no goal to reach")
            if held.metric is not None and held.metric not in metrics:
                raise ValueError(f"{where}.metric: the {self.task} task reports {', '.join(metrics)}, "
                                 f"not {held.metric}")
            for key in ("first", "lane"):
                value = getattr(held, key)
                if value is None:
                    continue
                if not lanes:
                    raise ValueError(f"{where}.{key}: only a race (a recall step whose cell has several "
                                     "choices) has cells to compare")
                allowed = lanes + (["none"] if key == "first" else [])
                for name in [value] if isinstance(value, str) else value:
                    if name not in allowed:
                        raise ValueError(f"{where}.{key}: {name!r} is not one of {', '.join(allowed)}")
        return self

    @field_validator("settings", "tunable")
    @classmethod
    def _names_fit_the_task(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        task = info.data.get("task")
        if task is None:  # the task itself is wrong; that error is reported on its own
            return value
        allowed = settings_for(task)
        for name, setting_value in value.items():
            if name not in allowed:
                raise ValueError(f"{info.field_name}.{name}: not a setting of the {task} task"
                                 f"{suggest(name, list(allowed))} (it takes: {', '.join(sorted(allowed))})")
            setting = allowed[name]
            try:
                if info.field_name == "settings":
                    setting.check(setting_value)
                else:
                    for bound in (setting_value.min, setting_value.max):
                        if bound is not None:
                            setting.check(setting.type(bound) if setting.type in (int, float) else bound)
                    for choice in setting_value.choices or []:
                        setting.check(choice)
                    if setting_value.live and not setting.live:
                        raise SettingError(f"{name}: cannot change while a run goes on; drop live: true")
            except (SettingError, TypeError, ValueError) as err:
                raise ValueError(f"{info.field_name}.{err}") from None
        return value


CHECK_KINDS = ("import", "shape", "reference", "gradients", "learns")


class Check(Strict):
    kind: Literal["import", "shape", "reference", "gradients", "learns"]
    name: str | None = Field(None, description="import: the function or class the check looks for")
    method: str | None = Field(None, description="call this method of the entry instead of the entry "
                               "itself, e.g. init_hidden")
    inputs: list[str] = Field(default_factory=list, description="input shapes, e.g. (1, 57)")
    outputs: list[str] = Field(default_factory=list, description="expected output shapes")
    trials: int = Field(3, gt=0, description="reference: seeded random inputs to compare on")
    tolerance: float = Field(1e-5, ge=0)


class CodeStep(Hinted):
    kind: Literal["code"]
    id: Id
    title: str = Field(description="shown in the step list")
    text: str = Field(description="Markdown: what to write")
    starter: str = Field(description="the file the learner starts from, relative to the lesson")
    solution: str = Field(description="the hidden solution, relative to the lesson")
    entry: str = Field(description="the function or class the checks call")
    init: list[int | float | str | bool] = Field(default_factory=list,
                                                 description="arguments that build the entry when it is a class")
    checks: list[Check] = Field(min_length=1, description="run in order; the first failure is shown")
    timeout: float = Field(20.0, gt=0, le=600, description="seconds for all checks together")
    then_train: str | None = Field(None, description="id of a train step that uses the learner's code")
    then_train_goal: Goal | None = Field(None, description=(
        "the goal when the learner's cell trains there, if it differs from the step's own (a chapter's "
        "simple cell may learn less than the step's built-in cells); `check` trains the solution to it"))


Step = Annotated[Union[StoryStep, ExplainStep, QuizStep, TrainStep, CodeStep], Field(discriminator="kind")]
STEP_KINDS = ("story", "explain", "quiz", "train", "code")


class Lesson(Strict):
    schema_version: Literal[1] = Field(description="the format's version; 1 today")
    id: Id
    title: str = Field(description="shown on the lesson card")
    story: str = Field(description="the story it is built on, in a few words")
    summary: str = Field(description="one or two sentences for the lesson picker")
    estimated_minutes: int = Field(gt=0, le=600, description="how long a learner needs")
    requires: list[str] = Field(default_factory=list, description="ids of lessons to take first")
    formerly: list[str] = Field(default_factory=list, description=(
        "ids of lessons this one was split from: a learner's progress on its steps (same step ids) moves here"))
    teaches: list[str] = Field(default_factory=list, description="ideas taught, shown on the card")
    steps: list[Step] = Field(min_length=1, description="played in order; each kind is below")

    @model_validator(mode="after")
    def _unique_step_ids(self):
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"steps: two steps have the id {step.id!r}; ids must be unique")
            seen.add(step.id)
        return self


__all__ = ["Lesson", "Step", "StoryStep", "ExplainStep", "QuizStep", "TrainStep", "CELLS", "SETTINGS"]
