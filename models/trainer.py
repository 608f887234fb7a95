"""Provides the training loop every task, the app and the headless command share.

The trainer never prints. It reports through one callback, `on_event(event: dict)`, with the
events of DESIGN section 3 (started, step, eval, sample, finished, failed); the caller decides
what to show, so the app's child process, `rnn-tutor train` and the tests attach at the same seam.
"""

from __future__ import annotations

import math
import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch

from .catalog import SETTINGS, Goal, SettingError, resolve_config, task_info
from .devices import resolve_device
from .tasks import Task, build_task

CHECKPOINT_FORMAT = "rnn-tutor-checkpoint"
CHECKPOINT_VERSION = 1
MODEL_SHAPE = ("cell", "hidden", "layers", "embed")
"""Settings a checkpoint's weights depend on: changing one makes the weights useless."""
STEP_EVENTS_PER_SECOND = 10
"""Step events are averaged and sent at most this often: a UI cannot show more, and JSON costs."""


class CheckpointError(ValueError):
    """A resume file that is not a checkpoint, or one made for another model or data."""


class Diverged(RuntimeError):
    """The loss or the gradient became NaN or infinite."""


Event = dict[str, Any]


@dataclass
class Budget:
    max_steps: int | None = None
    max_seconds: float | None = None

    def progress(self, steps: int, seconds: float) -> float:
        """How much of the budget is spent, 0..1, by whichever limit is nearer."""
        parts = [0.0]
        if self.max_steps:
            parts.append(steps / self.max_steps)
        if self.max_seconds:
            parts.append(seconds / self.max_seconds)
        return min(1.0, max(parts))

    def unlimited(self) -> bool:
        return not self.max_steps and not self.max_seconds


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load and sanity-check a checkpoint file, raising CheckpointError with a plain reason."""
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"{p}: no such checkpoint file")
    with p.open("rb") as f:
        magic = f.read(4)
    if magic != b"PK\x03\x04":  # torch.save writes a zip archive
        raise CheckpointError(f"{p}: not an rnn-tutor checkpoint (not a file torch.save wrote)")
    try:
        # weights_only: a checkpoint is data; loading one must never run code from the file.
        ckpt = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a damaged or foreign file
        raise CheckpointError(
            f"{p}: not an rnn-tutor checkpoint (it cannot be loaded as plain data: {type(err).__name__})"
        ) from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{p}: not an rnn-tutor checkpoint")
    if ckpt.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(f"{p}: checkpoint version {ckpt.get('version')} is not supported")
    # The fields a resume reads, with the types it needs: a file that passes the checks above can
    # still be forged or damaged inside.
    expected = {"task": str, "config": dict, "model": dict, "optimizer": dict}
    for key, kind in expected.items():
        if not isinstance(ckpt.get(key), kind):
            raise CheckpointError(f"{p}: damaged checkpoint ({key} is missing or not a {kind.__name__})")
    for key, kind in (("step", int), ("best_val_loss", (int, float))):
        if key in ckpt and (not isinstance(ckpt[key], kind) or isinstance(ckpt[key], bool)):
            raise CheckpointError(f"{p}: damaged checkpoint ({key} is {ckpt[key]!r})")
    return ckpt


def write_checkpoint(path: str | Path, payload: dict[str, Any]) -> None:
    """Write atomically: a crash mid-write leaves the previous checkpoint whole."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        torch.save(payload, tmp)
        os.replace(tmp, p)
    except (OSError, RuntimeError) as err:  # torch.save wraps a full disk in a RuntimeError
        reason = getattr(err, "strerror", None) or str(err).splitlines()[0]
        raise CheckpointError(f"{p}: the checkpoint could not be written ({reason}); the previous one, if "
                              f"any, is kept") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def make_optimizer(name: str, params, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=weight_decay)
    raise SettingError(f"optimizer: unknown {name!r}")


def scheduled_lr(config: dict[str, Any], step: int, progress: float) -> float:
    """The learning rate for this step: linear warm-up, then cosine decay to a tenth at the end.

    The decay follows the budget (steps or seconds, whichever runs out first), so a short run
    anneals as fully as a long one; the last stretch at a low rate is where the loss drops most.
    """
    lr = config["lr"]
    if config["warmup"] and step < config["warmup"]:
        lr *= (step + 1) / config["warmup"]
    if config["schedule"] == "cosine":
        lr *= 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress))
    return lr


class Trainer:
    """Trains one task under a budget, reporting events; see `run`.

    Everything that can be wrong with the inputs (settings, device, data, resume file) is
    checked in the constructor and raised as SettingError, DeviceError, DataError or
    CheckpointError, before any training starts. Failures during training (divergence, out of
    memory, a bug) do not raise: `run` reports them as a `failed` event and in the summary.
    """

    def __init__(
        self,
        task: str,
        overrides: dict[str, Any] | None = None,
        *,
        device: str = "auto",
        max_steps: int | None = None,
        max_seconds: float | None = None,
        evals: int = 10,
        sample_every: float | None = None,
        corpus: str | Path | None = None,
        names: str | Path | None = None,
        learner_cell: dict[str, str] | None = None,
        checkpoint: str | Path | None = None,
        resume: str | Path | None = None,
        goal: Goal | None = None,
        stop_at_goal: bool = False,
        on_event: Callable[[Event], None] | None = None,
    ):
        self.task_name = task
        task_info(task)
        resumed = read_checkpoint(resume) if resume else None
        if resumed is not None:
            if resumed["task"] != task:
                raise CheckpointError(f"{resume}: a {resumed['task']} checkpoint, not {task}")
            base = dict(resumed["config"])
            base.update(overrides or {})
            changed = [k for k in MODEL_SHAPE if k in base and base.get(k) != resumed["config"].get(k)]
            if changed:
                was = ", ".join(f"{k}={resumed['config'][k]}" for k in changed)
                raise CheckpointError(
                    f"{resume}: does not match the model ({was} in the checkpoint); "
                    "drop those --set values to resume"
                )
            overrides = base
        self.config = resolve_config(task, overrides)
        self.device = resolve_device(device)
        self.budget = Budget(max_steps or None, max_seconds or None)
        self.evals = max(1, evals)
        self.sample_every = sample_every
        self.checkpoint = Path(checkpoint) if checkpoint else None
        self.goal = goal or None
        self.stop_at_goal = stop_at_goal
        self.on_event = on_event or (lambda event: None)

        torch.manual_seed(self.config["seed"])
        self.generator = torch.Generator().manual_seed(self.config["seed"])
        self.task: Task = build_task(task, self.config, self.device, self.generator, corpus=corpus,
                                     names=names, signature=resumed.get("data") if resumed else None,
                                     learner_cell=learner_cell)
        self.model = self.task.model
        self.optimizer = make_optimizer(self.config["optimizer"], self.model.parameters(),
                                        self.config["lr"], self.config["weight_decay"])
        self.step = 0
        self.best_val_loss = math.inf
        if resumed is not None:
            try:
                self.model.load_state_dict(resumed["model"])
                self.optimizer.load_state_dict(resumed["optimizer"])
            except (RuntimeError, ValueError, KeyError) as err:
                first = str(err).strip().splitlines()[0][:160]
                raise CheckpointError(f"{resume}: does not match the model ({first})") from None
            self.step = int(resumed.get("step", 0))
            self.best_val_loss = float(resumed.get("best_val_loss", math.inf))

        self.first_step = self.step
        """The step count before this run's first step (non-zero when resumed)."""
        self._sent = 0
        """How many of `losses` step events have carried so far."""
        self._last_step_event: tuple[float, float] = (0.0, 0.0)
        self._stop = threading.Event()
        self._requests: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self._running = threading.Event()
        self._running.set()
        self.stop_reason: str | None = None
        self.history: list[dict[str, float]] = []
        """A point per step event: the mean loss since the last one (time-based, for charts)."""
        self.losses: list[float] = []
        """Every step's training loss, in order: the curve a recipe reproduces exactly."""
        self.evals_done: list[dict[str, Any]] = []
        self.samples: list[dict[str, Any]] = []
        self.goal_reached_at: dict[str, float] | None = None
        self.elapsed = 0.0
        """Training seconds so far, pauses excluded, evaluations included (the budget's clock)."""
        self.eval_seconds = 0.0
        self.items = 0

    @classmethod
    def from_job(cls, job: dict[str, Any], on_event: Callable[[Event], None] | None = None) -> "Trainer":
        """A trainer for a plain-dict job spec, the shape the app sends its child process.

        {"task", "settings", "device", "max_steps", "max_seconds", "evals", "sample_every",
        "corpus", "names", "learner_cell": {"file", "entry"}, "checkpoint", "resume",
        "goal": {"metric", "threshold"}, "stop_at_goal"}
        """
        goal = job.get("goal")
        return cls(
            job["task"], job.get("settings") or {}, device=job.get("device") or "auto",
            max_steps=job.get("max_steps"), max_seconds=job.get("max_seconds"),
            evals=job.get("evals") or 10, sample_every=job.get("sample_every"),
            corpus=job.get("corpus"), names=job.get("names"), learner_cell=job.get("learner_cell"),
            checkpoint=job.get("checkpoint"),
            resume=job.get("resume"), goal=Goal(goal["metric"], goal["threshold"]) if goal else None,
            stop_at_goal=bool(job.get("stop_at_goal")), on_event=on_event,
        )

    # Control, safe to call from another thread (the child process's stdin reader).
    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def set(self, name: str, value: Any) -> None:
        """Change a live setting (temperature, top_k, prompt, lr) of the running job."""
        setting = SETTINGS.get(name)
        if setting is None or not setting.live or name not in self.config:
            live = [n for n in self.config if n in SETTINGS and SETTINGS[n].live]
            raise SettingError(f"{name}: cannot change while running; live settings: {', '.join(live)}")
        self.config[name] = setting.check(value)

    def request(self, message: dict[str, Any]) -> None:
        """Queue a question for the model ({"cmd": "predict", "names": [...]} or {"cmd": "sample"}).

        Answered between training steps (or at once while paused) on the training thread, so the
        model is never read while an optimiser step is half done.
        """
        self._requests.put(message)

    def answer_requests(self) -> None:
        """Answer every queued request; also the way to serve them once `run` has returned."""
        while True:
            try:
                message = self._requests.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            self._answer(message)
            self.eval_seconds += time.perf_counter() - started

    @torch.no_grad()
    def _answer(self, message: dict[str, Any]) -> None:
        cmd = message.get("cmd")
        if cmd == "sample":
            self._sample()
            return
        predict = getattr(self.task, "predict", None)
        if predict is None:
            self.on_event({"event": "warning", "message": f"the {self.task_name} task cannot predict typed input"})
            return
        names = [str(n)[:40] for n in message.get("names", [])][:20]
        training = self.model.training
        self.model.eval()
        try:
            rows = [{"name": name, "guesses": [[c, round(p, 4)] for c, p in guesses]}
                    for name, guesses in zip(names, predict(names))]
        finally:
            self.model.train(training)
        self.on_event({"event": "prediction", "id": message.get("id"), "rows": rows})

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    def run(self) -> dict[str, Any]:
        """Train until the budget, the goal (with stop_at_goal) or `stop()`; return the summary."""
        self.on_event({"event": "started", "task": self.task_name, "device": str(self.device),
                       "params": self.parameter_count(), "config": dict(self.config),
                       "item": self.task.item, "budget": vars(self.budget), "step": self.step,
                       "threads": torch.get_num_threads()})
        failure = None
        try:
            try:
                self._loop()
            finally:
                self._flush_steps()
            self._evaluate(final=True)
            self._sample()
        except Diverged as err:
            failure = {"kind": "diverged", "message": str(err)}
        except (torch.cuda.OutOfMemoryError, MemoryError) as err:
            failure = {"kind": "out_of_memory", "message": (
                f"out of memory on {self.device} ({str(err).splitlines()[0][:120] if str(err) else 'no detail'}); "
                "try a smaller batch, hidden size or seq")}
        except KeyboardInterrupt:
            # Keep what was learnt: evaluate once more (a second Ctrl+C skips it), then the
            # summary and the checkpoint, like stopping by the budget.
            self.stop_reason = "interrupted"
            try:
                self._evaluate(final=True)
                self._sample()
            except KeyboardInterrupt:
                pass
            except Diverged as err:
                failure = {"kind": "diverged", "message": str(err)}
        except Exception as err:  # a bug or a broken data file: report it, keep the caller alive
            failure = {"kind": "error", "message": f"{type(err).__name__}: {err}",
                       "traceback": traceback.format_exc()}
        if self.checkpoint is not None and failure is None:
            try:
                self._save()
            except CheckpointError as err:  # a full disk: the run is done, only its file is missing
                failure = {"kind": "error", "message": str(err)}
        summary = self.summary(failure)
        if failure is not None:
            self.on_event({"event": "failed", **failure, "step": self.step})
        self.on_event({"event": "finished", "summary": summary})
        return summary

    def _loop(self) -> None:
        budget, config, model, task = self.budget, self.config, self.model, self.task
        params = [p for p in model.parameters() if p.requires_grad]
        model.train()
        first_step = self.step
        next_eval = 1.0 / self.evals
        clock = time.perf_counter
        start = last_emit = last_sample = clock()
        paused_for = 0.0
        emit_loss, emit_steps, emit_items = 0.0, 0, 0
        current_lr = None
        while True:
            if self._stop.is_set():
                self.stop_reason = self.stop_reason or "stopped"
                return
            if not self._running.is_set():
                waited = clock()
                while not self._running.wait(0.05):
                    self.answer_requests()  # a paused run still answers "what about this name?"
                paused_for += clock() - waited
            now = clock()
            self.elapsed = now - start - paused_for
            done = self.step - first_step
            if budget.max_steps and done >= budget.max_steps:
                self.stop_reason = "max_steps"
                return
            if budget.max_seconds and self.elapsed >= budget.max_seconds:
                self.stop_reason = "max_seconds"
                return
            progress = budget.progress(done, self.elapsed)
            lr = scheduled_lr(config, done, progress)
            if lr != current_lr:
                for group in self.optimizer.param_groups:
                    group["lr"] = lr
                current_lr = lr

            loss, items = task.train_batch()
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config["clip"] > 0:
                # Clipping rescales a gradient whose norm exceeds `clip`, the classic cure for
                # the exploding gradients of recurrent networks; the norm is checked either way.
                norm = torch.nn.utils.clip_grad_norm_(params, config["clip"])
                if not torch.isfinite(norm):
                    raise Diverged(self._diverged_message("gradient"))
            self.optimizer.step()
            value = loss.item()
            if not math.isfinite(value):
                raise Diverged(self._diverged_message("loss"))
            self.step += 1
            self.items += items
            self.losses.append(value)
            emit_loss += value
            emit_steps += 1
            emit_items += items

            now = clock()
            # The first step is reported at once (a learner waits for the first point), then at
            # most STEP_EVENTS_PER_SECOND times a second, averaged, so the pipe stays quiet.
            if self.step == first_step + 1 or now - last_emit >= 1.0 / STEP_EVENTS_PER_SECOND:
                rate = emit_items / (now - last_emit)
                mean = emit_loss / emit_steps
                self.history.append({"step": self.step, "loss": mean, "seconds": now - start - paused_for})
                # `losses` carries every step's loss since the last event, so the UI holds the
                # exact curve (a CSV export, a replay to compare) while it plots the mean.
                self.on_event({"event": "step", "step": self.step, "loss": mean, "items_per_s": rate,
                               "lr": lr, "progress": progress, "seconds": now - start - paused_for,
                               "losses": self.losses[self._sent:]})
                self._sent, self._last_step_event = len(self.losses), (rate, lr)
                emit_loss, emit_steps, emit_items, last_emit = 0.0, 0, 0, now
            done = self.step - first_step
            progress = budget.progress(done, now - start - paused_for)
            due = progress >= next_eval if not budget.unlimited() else now - last_sample >= 5.0
            if due and progress < 1.0:
                next_eval = (math.floor(progress * self.evals) + 1) / self.evals
                self._evaluate()
                self._sample()
                last_sample = clock()
                if self.stop_at_goal and self.goal_reached_at is not None:
                    self.stop_reason = "goal"
                    return
            elif self.sample_every and now - last_sample >= self.sample_every:
                self._sample()
                last_sample = clock()
            if not self._requests.empty():
                self.answer_requests()

    def _flush_steps(self) -> None:
        """Send the steps taken since the last step event, so listeners hold the whole curve."""
        unsent = self.losses[self._sent:]
        if not unsent:
            return
        rate, lr = self._last_step_event
        mean = sum(unsent) / len(unsent)
        self.history.append({"step": self.step, "loss": mean, "seconds": self.elapsed})
        self.on_event({"event": "step", "step": self.step, "loss": mean, "items_per_s": rate, "lr": lr,
                       "progress": self.budget.progress(self.step - self.first_step, self.elapsed),
                       "seconds": self.elapsed, "losses": unsent})
        self._sent = len(self.losses)

    def _diverged_message(self, what: str) -> str:
        tips = []
        if self.config["clip"] == 0:
            tips.append("turn on gradient clipping (clip=1)")
        tips.append(f"lower the learning rate (lr={self.config['lr']:g} now; try {self.config['lr'] / 10:g})")
        return (f"the {what} became NaN or infinite at step {self.step + 1}: the gradients exploded. "
                f"Try to {' or '.join(tips)}.")

    @torch.no_grad()
    def _evaluate(self, final: bool = False) -> None:
        started = time.perf_counter()
        self.model.eval()
        metrics, details = self.task.evaluate(final=final)
        self.model.train()
        self.eval_seconds += time.perf_counter() - started
        for name, value in metrics.items():
            if not math.isfinite(value):
                raise Diverged(self._diverged_message("validation loss"))
        recent = self.history[-5:]
        if recent:
            metrics["train_loss"] = sum(h["loss"] for h in recent) / len(recent)
        self.best_val_loss = min(self.best_val_loss, metrics["val_loss"])
        record = {"step": self.step, "seconds": self.elapsed, "metrics": metrics}
        self.evals_done.append(record)
        self.on_event({"event": "eval", "step": self.step, "seconds": self.elapsed, "final": final,
                       "val_loss": metrics["val_loss"], "metrics": metrics, "details": details})
        if self.goal is not None and self.goal_reached_at is None:
            value = metrics.get(self.goal.metric)
            if value is not None and self.goal.reached(value):
                self.goal_reached_at = {"step": self.step, "seconds": round(self.elapsed, 2)}
                self.on_event({"event": "goal", "metric": self.goal.metric, "value": value,
                               **self.goal_reached_at})
        if self.checkpoint is not None:
            self._save()

    @torch.no_grad()
    def _sample(self) -> None:
        started = time.perf_counter()
        self.model.eval()
        sample = self.task.sample()
        self.model.train()
        self.eval_seconds += time.perf_counter() - started
        sample = {"step": self.step, **sample}
        self.samples.append(sample)
        del self.samples[:-20]
        self.on_event({"event": "sample", **sample})

    def _save(self) -> None:
        write_checkpoint(self.checkpoint, {
            "format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "task": self.task_name,
            "config": dict(self.config), "data": self.task.data_signature(),
            "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
            "step": self.step, "best_val_loss": self.best_val_loss,
        })

    def summary(self, failure: dict[str, Any] | None = None) -> dict[str, Any]:
        """The run's result, shaped like DESIGN section 6's JSON line."""
        last = self.evals_done[-1]["metrics"] if self.evals_done else {}
        recent = self.history[-5:]
        train_loss = sum(h["loss"] for h in recent) / len(recent) if recent else None
        goal = None
        passed = None
        if self.goal is not None:
            goal = {"metric": self.goal.metric, "threshold": self.goal.threshold,
                    "describe": self.goal.describe(), "reached": self.goal_reached_at}
            passed = self.goal_reached_at is not None and failure is None
        seconds = self.elapsed
        # Throughput counts training time only: evaluations and samples are reported apart
        # (eval_seconds), so the number means the same whatever the evaluation cadence.
        training = max(seconds - self.eval_seconds, 1e-9)
        return {
            "lesson": None, "step": None, "task": self.task_name, "device": str(self.device),
            "config": dict(self.config), "steps": self.step, "seconds": round(seconds, 3),
            "train_loss": train_loss, "val_loss": last.get("val_loss"),
            "metrics": {k: v for k, v in last.items() if k != "val_loss"},
            "items_per_second": self.items / training if self.items else 0.0,
            "eval_seconds": round(self.eval_seconds, 3),
            "item": self.task.item, "goal": goal, "passed": passed,
            "samples": self.samples[-3:], "stopped_by": self.stop_reason,
            "failed": failure, "params": self.parameter_count(), "first_step": self.first_step,
        }
