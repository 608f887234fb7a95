"""Provides the engine's names as plain data: tasks, cells, settings and metrics.

This is the one source the lesson format, `--set` and the UI read, so it imports nothing heavy
(no torch): the app and the lesson validator use it in a process that never loads PyTorch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

CELLS: tuple[str, ...] = ("rnn", "lstm", "gru", "elman", "lstm-cell")
"""Recurrent cells: PyTorch's three built-ins, then the two hand-written ones in models/cells.py."""

HAND_WRITTEN_CELLS: tuple[str, ...] = ("elman", "lstm-cell")

OPTIMIZERS: tuple[str, ...] = ("adam", "adamw", "sgd", "rmsprop")

SCHEDULES: tuple[str, ...] = ("cosine", "constant")

DEVICE_CHOICES: tuple[str, ...] = ("auto", "cpu", "cuda", "cuda:N", "mps")


class SettingError(ValueError):
    """A setting name or value that the engine cannot use; the message says which and why."""


@dataclass(frozen=True)
class Setting:
    """One knob a lesson, `--set` or the UI may turn."""

    name: str
    type: type
    help: str
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] | None = None
    log: bool = False
    """Shown on a log scale in the UI (learning rates span orders of magnitude)."""
    live: bool = False
    """Takes effect on a running job without a restart."""
    tasks: tuple[str, ...] | None = None
    """The tasks it applies to; None means all of them."""

    def parse(self, text: str) -> Any:
        """Turn command-line text into a checked value."""
        if self.type is bool:
            lowered = text.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise SettingError(f"{self.name}: expected true or false (got {text!r})")
        if self.type in (int, float):
            try:
                value: Any = float(text) if self.type is float else int(text)
            except ValueError:
                kind = "an integer" if self.type is int else "a number"
                raise SettingError(f"{self.name}: expected {kind} (got {text!r})") from None
            return self.check(value)
        return self.check(text)

    def check(self, value: Any) -> Any:
        """Return the value if it is allowed, coerced to the setting's type; raise SettingError."""
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if self.type is bool or isinstance(value, bool):
            if not isinstance(value, bool) or self.type is not bool:
                raise SettingError(f"{self.name}: expected {self.type_name()} (got {value!r})")
            return value
        if not isinstance(value, self.type):
            raise SettingError(f"{self.name}: expected {self.type_name()} (got {value!r})")
        if self.type is float and not math.isfinite(value):
            raise SettingError(f"{self.name}: must be a finite number (got {value!r})")
        if self.choices is not None and value not in self.choices:
            raise SettingError(
                f"{self.name}: must be one of {', '.join(self.choices)} (got {value!r})"
            )
        if self.minimum is not None:
            if self.exclusive_minimum and not value > self.minimum:
                raise SettingError(f"{self.name}: must be greater than {self.minimum:g} (got {value!r})")
            if not self.exclusive_minimum and value < self.minimum:
                raise SettingError(f"{self.name}: must be at least {self.minimum:g} (got {value!r})")
        if self.maximum is not None and value > self.maximum:
            raise SettingError(f"{self.name}: must be at most {self.maximum:g} (got {value!r})")
        return value

    def allowed(self, separator: str = " | ") -> str:
        """The allowed values in words: the choices, or the range."""
        if self.choices:
            return separator.join(self.choices)
        low = "" if self.minimum is None else (
            f"> {self.minimum:g}" if self.exclusive_minimum else f">= {self.minimum:g}")
        high = "" if self.maximum is None else f"<= {self.maximum:g}"
        return ", ".join(x for x in (low, high) if x) or self.type_name()

    def type_name(self) -> str:
        return {int: "an integer", float: "a number", str: "text", bool: "true or false"}[self.type]


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        # The network.
        Setting("cell", str, "recurrent cell", choices=CELLS),
        Setting("hidden", int, "hidden units per layer", minimum=1, maximum=4096),
        Setting("layers", int, "stacked recurrent layers", minimum=1, maximum=8),
        Setting("embed", int, "embedding size; 0 feeds one-hot vectors", minimum=0, maximum=2048,
                tasks=("char-lm", "classify", "recall")),
        Setting("dropout", float, "dropout between layers and before the output", minimum=0.0,
                maximum=0.9),
        Setting("keep_bias", float, "starting bias of the gate that keeps memory (LSTM forget, with "
                "the input gate at minus it; GRU update): higher starts with a longer memory",
                minimum=-10.0, maximum=10.0),
        # The optimiser.
        Setting("lr", float, "learning rate", minimum=0.0, exclusive_minimum=True, maximum=10.0,
                log=True, live=True),
        Setting("optimizer", str, "optimiser", choices=OPTIMIZERS),
        Setting("schedule", str, "learning-rate schedule: cosine decays to a tenth over the budget",
                choices=SCHEDULES),
        Setting("warmup", int, "steps of linear learning-rate warm-up", minimum=0, maximum=100_000),
        Setting("weight_decay", float, "weight decay (L2 penalty)", minimum=0.0, maximum=1.0),
        Setting("batch", int, "sequences per batch", minimum=1, maximum=4096),
        Setting("clip", float, "clip the gradient norm to this; 0 turns clipping off", minimum=0.0,
                maximum=1000.0),
        Setting("seed", int, "random seed (data split, initial weights, batches)", minimum=0,
                maximum=2**31 - 1),
        # Task data.
        Setting("seq", int, "characters per training window (backprop through time)", minimum=2,
                maximum=4096, tasks=("char-lm", "regress")),
        Setting("horizon", int, "points forecast ahead, feeding predictions back in", minimum=1,
                maximum=1000, tasks=("regress",)),
        Setting("gap", int, "noise steps between the symbol and the question", minimum=1,
                maximum=2000, tasks=("recall",)),
        Setting("balance", bool, "weight the loss so every class counts equally",
                tasks=("classify",)),
        # Sampling.
        Setting("temperature", float, "sampling temperature: low is safe, high is wild",
                minimum=0.0, exclusive_minimum=True, maximum=5.0, live=True, tasks=("char-lm",)),
        Setting("top_k", int, "sample only among the k likeliest characters; 0 means all",
                minimum=0, maximum=1000, live=True, tasks=("char-lm",)),
        Setting("prompt", str, "text that primes each sample", live=True, tasks=("char-lm",)),
        Setting("sample_length", int, "characters per generated sample", minimum=1, maximum=5000,
                live=True, tasks=("char-lm",)),
    )
}


@dataclass(frozen=True)
class Metric:
    name: str
    help: str
    higher_is_better: bool


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("val_loss", "loss on held-out data (nats per item; for regress, the mean squared error)", False),
        Metric("train_loss", "recent training loss (nats per item; for regress, the mean squared error)", False),
        Metric("accuracy", "share of held-out items predicted right", True),
        Metric("balanced_accuracy", "accuracy averaged over classes, so small classes count", True),
        Metric("word_rate", "share of words in generated text that occur in the corpus", True),
        Metric("mse", "mean squared error of the next point on held-out waves", False),
        Metric("forecast_mse", "mean squared error over the multi-step forecast", False),
    )
}


@dataclass(frozen=True)
class Goal:
    metric: str
    threshold: float

    def reached(self, value: float) -> bool:
        if METRICS[self.metric].higher_is_better:
            return value >= self.threshold
        return value <= self.threshold

    def describe(self) -> str:
        op = ">=" if METRICS[self.metric].higher_is_better else "<="
        return f"{self.metric} {op} {self.threshold:g}"


@dataclass(frozen=True)
class TaskInfo:
    name: str
    title: str
    item: str
    """What throughput counts: chars, names, points or sequences."""
    metrics: tuple[str, ...]
    defaults: Mapping[str, Any]
    goal: Goal
    """The default goal (`rnn-tutor train TASK` and bench/time_to_goal.py use it)."""
    data_help: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


_SHARED = {
    "layers": 1,
    "keep_bias": 1.0,
    "dropout": 0.0,
    "optimizer": "adam",
    "schedule": "cosine",
    "warmup": 0,
    "weight_decay": 0.0,
    "seed": 0,
}

TASKS: dict[str, TaskInfo] = {
    t.name: t
    for t in (
        TaskInfo(
            "char-lm",
            "Character language model: read text, then write more of it",
            "chars",
            ("val_loss", "train_loss", "word_rate"),
            {
                **_SHARED,
                # Chosen by measuring (bench/char_lm.py, bench/README.md): on a 2-core CPU a
                # 1x256 GRU with small batches makes the most progress per second; a high peak
                # rate (warm-up, then cosine decay over the budget) beats a careful one.
                "cell": "gru",
                "hidden": 256,
                "embed": 64,
                "batch": 32,
                "seq": 64,
                "lr": 8e-3,
                "warmup": 100,
                "clip": 5.0,
                "temperature": 0.8,
                "top_k": 0,
                "prompt": "",
                "sample_length": 200,
            },
            Goal("val_loss", 1.8),
            data_help="--corpus FILE (UTF-8 text); default: the Dracula lesson's corpus",
        ),
        TaskInfo(
            "classify",
            "Name classifier: guess where a surname comes from",
            "names",
            ("val_loss", "train_loss", "accuracy", "balanced_accuracy"),
            {
                **_SHARED,
                "cell": "gru",
                "hidden": 128,
                "embed": 64,
                "batch": 64,
                "lr": 3e-3,
                "clip": 1.0,
                "dropout": 0.2,
                "balance": False,
            },
            Goal("accuracy", 0.7),
            data_help="--names DIR (one <Class>.txt per origin); default: the built-in surnames",
        ),
        TaskInfo(
            "regress",
            "Wave forecaster: predict the next points of Oz's brain waves",
            "points",
            ("val_loss", "train_loss", "mse", "forecast_mse"),
            {
                **_SHARED,
                "cell": "gru",
                "hidden": 64,
                "batch": 32,
                "seq": 64,
                "horizon": 20,
                "lr": 3e-3,
                "clip": 1.0,
            },
            Goal("mse", 0.05),
            data_help="generated multi-channel waves (sums of sines plus noise)",
        ),
        TaskInfo(
            "recall",
            "Long memory: remember a symbol across a gap of noise",
            "sequences",
            ("val_loss", "train_loss", "accuracy"),
            {
                **_SHARED,
                "cell": "lstm",
                "hidden": 64,
                "embed": 0,
                "batch": 64,
                "gap": 20,
                # Memory that starts long (sigmoid(3) = 0.95 kept per step): see networks.py.
                "keep_bias": 3.0,
                "lr": 3e-3,
                "clip": 1.0,
            },
            Goal("accuracy", 0.95),
            data_help="generated: a symbol, `gap` noise steps, then the question",
        ),
    )
}


def settings_for(task: str) -> dict[str, Setting]:
    """The settings that apply to a task, by name."""
    info = task_info(task)
    return {
        name: s for name, s in SETTINGS.items() if (s.tasks is None or task in s.tasks)
        and name in info.defaults
    }


def task_info(task: str) -> TaskInfo:
    try:
        return TASKS[task]
    except KeyError:
        raise SettingError(
            f"unknown task {task!r}; choose one of: {', '.join(TASKS)}"
        ) from None


def resolve_config(task: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The task's defaults with `overrides` applied and checked.

    Raises SettingError naming every bad key at once, so a typo and a bad value surface together.
    """
    info = task_info(task)
    allowed = settings_for(task)
    config = dict(info.defaults)
    problems = []
    for name, value in (overrides or {}).items():
        setting = allowed.get(name)
        if setting is None:
            if name in SETTINGS:
                problems.append(f"{name}: does not apply to the {task} task")
            else:
                problems.append(
                    f"{name}: unknown setting; {task} takes: {', '.join(sorted(allowed))}"
                )
            continue
        try:
            config[name] = setting.check(value)
        except SettingError as err:
            problems.append(str(err))
    if problems:
        raise SettingError("; ".join(problems))
    return config


def parse_assignments(task: str, assignments: list[str]) -> dict[str, Any]:
    """Parse `key=value` strings (the command line's --set) into checked values."""
    allowed = settings_for(task)
    values: dict[str, Any] = {}
    problems = []
    for text in assignments:
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(f"{text!r}: expected key=value")
            continue
        setting = allowed.get(key)
        if setting is None:
            if key in SETTINGS:
                problems.append(f"{key}: does not apply to the {task} task")
            else:
                problems.append(f"{key}: unknown setting; {task} takes: {', '.join(sorted(allowed))}")
            continue
        try:
            values[key] = setting.parse(raw.strip())
        except SettingError as err:
            problems.append(str(err))
    if problems:
        raise SettingError("; ".join(problems))
    return values
