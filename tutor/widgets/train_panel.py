"""Provides the train panel: knobs, device, Start/Pause/Stop/Reset, the live plot and the task's view.

Each run is a child process (tutor/runner.py). Its events arrive on the app's event loop and only
update plain state and small labels; the plot redraws on its own timer. While the learner reads
the step, a warm child imports torch, so Start shows a loss point within a second.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Collapsible, Markdown, ProgressBar, RadioSet, Select, Static

from models.catalog import METRICS, SETTINGS, TASKS

from ..jobs import step_job, tunable_range
from ..runner import TrainingRun
from ..share import curve_csv, format_recipe, join_csv
from ..screens.settings import device_options
from .knob import Knob
from .live_views import LANE_STYLES, NameGuesses, RaceBoard, live_view_for
from .predict import PredictBox
from .prose import inline_markup
from .loss_plot import REDRAWS_PER_SECOND, REDUCED_MOTION_REDRAWS_PER_SECOND, STATUS_UPDATES_PER_SECOND, LossPlot

ABOUT_OPEN_FROM_ROWS = 32
"""Terminal rows from which a train step's instructions start open and the plot still has room."""

STARTING = "[b]starting…[/b] the data and the network are being prepared"
"""What the status says from the key press until the first loss point (a second, or many on big data)."""

ADVICE = {
    "diverged": "Change the knob the message names, then press Start again.",
    "out_of_memory": "Use a smaller batch, hidden size or seq, or train on the cpu.",
    "crashed": "Press Start to try again; if it happens again, try the cpu or smaller settings.",
    "bad_input": "Check the settings above; the message says which one is wrong.",
    "error": "This looks like a bug. Press Start to try again; the details are in the message.",
}


@dataclass
class Lane:
    """One run of the panel: a single run, or one cell of a race."""

    name: str
    style: str
    run: TrainingRun | None = None
    train: list[tuple[float, float]] = field(default_factory=list)
    val: list[tuple[float, float]] = field(default_factory=list)
    metric: list[tuple[float, float]] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    failed: dict[str, Any] | None = None
    last_step: dict[str, Any] | None = None
    losses: list[float] = field(default_factory=list)
    """Every step's training loss (the exact curve: CSV export, replays)."""
    started: dict[str, Any] | None = None
    """The child's `started` event: resolved config and device, for the recipe."""
    ready: bool = False
    """A warm child has imported torch."""
    prepared: bool = False
    """A warm child has built the job as the knobs stood (data read, model made)."""


class TrainPanel(Vertical):
    BINDINGS = [
        Binding("space", "start_or_pause", "Start/Pause"),
        Binding("s", "stop", "Stop"),
        Binding("r", "reset_run", "Reset run"),
        Binding("l", "toggle_log", "Log scale"),
        Binding("m", "toggle_view", "Loss/goal view"),
        Binding("t", "type_name", "Type a name", show=False),
        Binding("k", "knobs", "Knobs"),
        Binding("e", "export_csv", "Export CSV"),
        Binding("y", "copy_recipe", "Copy recipe", show=False),
        *[Binding(str(n), f"predict({n})", show=False) for n in range(1, 10)],
    ]

    class GoalReached(Message):
        def __init__(self, step_id: str, summary: dict[str, Any] | None):
            super().__init__()
            self.step_id, self.summary = step_id, summary

    def __init__(self, lesson_id: str, step, lesson_file, learner_cell: dict[str, str] | None = None):
        """`learner_cell` ({"file", "entry"}): train the learner's own cell from a code step."""
        super().__init__(classes="step train")
        self.lesson_id, self.step, self.lesson_file = lesson_id, step, lesson_file
        self.learner_cell = learner_cell
        self.info = TASKS[step.task]
        cell = step.tunable.get("cell")
        self.race = step.task == "recall" and cell is not None and bool(cell.choices) and len(cell.choices) > 1
        names = [str(c) for c in cell.choices] if self.race else ["run"]
        self.lanes = {name: Lane(name, LANE_STYLES[i % len(LANE_STYLES)]) for i, name in enumerate(names)}
        self.values: dict[str, Any] = {
            name: step.settings.get(name, self.info.defaults.get(name)) for name in step.tunable}
        self.state = "idle"
        """idle, starting, running, paused, stopping, finished or failed."""
        self.pending: str | None = None
        """A key pressed while the run was starting or stopping (pause, stop, start), done after."""
        self.view = "metric" if self.race else "loss"
        self.goal_metric = step.goal.metric if step.goal else None
        self.goal_announced = False
        self.timings: dict[str, float] = {}
        """Monotonic times of start_pressed and first_step (bench/app_latency.py reads them)."""
        self.request_id = 0
        self.view_dirty = False
        self.leaving = False
        """The step is being replaced or the screen closed: the runs' late events are dropped."""

    # Layout -------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        step = self.step
        hide = set(getattr(step, "hide", ()))
        def hidden(part: str, classes: str = "") -> str:
            """Parts the step hides in presenter mode carry a class the app's CSS acts on."""
            return f"{classes} -presenter-hidden".strip() if part in hide else classes

        yield Static(f"[b]{escape(step.title)}[/b]  [dim]{self.info.title}[/dim]", classes="step-title")
        if step.text:
            with Collapsible(title="About this exercise", collapsed=not self._about_open(), id="about"):
                with VerticalScroll(id="about-text", can_focus=False):  # a few lines tall; the wheel scrolls it
                    yield Markdown(step.text)
        with Horizontal(id="train-body"):
            with VerticalScroll(id="controls", classes=hidden("controls")):
                yield Static(self._goal_text(), id="goal", classes=hidden("goal"))
                if self.learner_cell:
                    yield Static(f"[b $success]Your {escape(self.learner_cell['entry'])}[/] trains here, "
                                 f"from your file.", id="learner-cell")
                for name, tunable in step.tunable.items():
                    if (self.race or self.learner_cell) and name == "cell":
                        continue
                    setting = SETTINGS[name]
                    low, high = tunable_range(step, name)
                    yield Knob(name, self.values[name], choices=tunable.choices or (
                        list(setting.choices) if setting.choices else None),
                        low=low, high=high, log=tunable.log or setting.log, kind=setting.type,
                        live=tunable.live, help=setting.help, id=f"knob-{name}", classes=hidden(name))
                yield Static("device", classes=hidden("device", "label"))
                yield Select(self._device_options(), value=self._initial_device(), allow_blank=False,
                             id="device", compact=True, tooltip="where the network trains",
                             classes=hidden("device"))
                yield Button("▶ Start", id="start", variant="success", compact=True)
                yield Button("■ Stop", id="stop", disabled=True, compact=True)
                yield Button("↺ Reset", id="reset", compact=True,
                             tooltip="forget this run: clear the plot and start from new weights")
                for hint in step.hints:
                    yield Static(f"💡 {inline_markup(hint)}", classes=hidden("hints", "train-hint"))
            with Vertical(id="watch"):
                if step.predict is not None:
                    yield PredictBox(step.predict, id="predict")
                yield Static(self._idle_status(), id="status")
                yield ProgressBar(total=100, show_eta=False, id="progress", classes=hidden("progress"))
                yield LossPlot(self._plot_title(), auto_redraw=False, id="plot")
                view = live_view_for(step.task)
                if "samples" in hide:
                    view.add_class("-presenter-hidden")
                yield view
                yield Static("", id="recipe", markup=False, classes=hidden("recipe"))

    def _about_open(self) -> bool:
        """The exercise's text starts open (its numbered tasks are the point of the step) where the
        screen leaves the plot room; once the learner opens or closes it, their choice holds."""
        choice = self.app.settings.train_about
        if choice in ("open", "closed"):
            return choice == "open"
        return self.app.size.height >= ABOUT_OPEN_FROM_ROWS

    def _remember_about(self, state: str) -> None:
        if self.app.settings.train_about != state:
            self.app.settings.train_about = state
            self.app.settings.save()  # a full or read-only disk: the choice holds for this session

    def scroll_target(self):
        """What the scroll keys move when nothing focused takes them: the open instructions."""
        about = self.query("#about")
        if about and not about.first().collapsed:
            return self.query_one("#about-text")
        return None

    def on_collapsible_expanded(self, event: Collapsible.Expanded) -> None:
        if event.collapsible.id == "about":
            self._remember_about("open")

    def on_collapsible_collapsed(self, event: Collapsible.Collapsed) -> None:
        if event.collapsible.id == "about":
            self._remember_about("closed")

    def _goal_text(self) -> str:
        step = self.step
        budget = f"{step.budget.max_seconds:g} s or {step.budget.max_steps:,} steps"
        if step.goal is None:
            return f"[b]Budget[/b] {budget}"
        op = "≥" if METRICS[step.goal.metric].higher_is_better else "≤"
        return f"[b]Goal[/b] {step.goal.metric} {op} {step.goal.threshold:g}\n[dim]within {budget}[/dim]"

    def _idle_status(self) -> str:
        cells = ", ".join(self.lanes) if self.race else ""
        what = f"race {cells}: " if self.race else ""
        return f"{what}press [b]space[/b] or ▶ Start to train."

    def _plot_title(self) -> str:
        if self.view == "metric" and self.goal_metric:
            return self.goal_metric
        return "loss"  # the legend beside it names the lines: train (median per bin), val (dots)

    def _device_options(self) -> list[tuple[str, str]]:
        options = device_options(self.app.devices)
        wanted = self._wanted_device()
        if wanted not in [v for _, v in options]:
            options.append((f"{wanted} (not seen here yet)", wanted))
        return options

    def _wanted_device(self) -> str:
        if self.app.device_override:
            return self.app.device_override
        return self.step.device if self.step.device != "auto" else self.app.settings.device

    def _initial_device(self) -> str:
        return self._wanted_device()

    def focus_first(self) -> None:
        self.query_one("#start", Button).focus()

    def on_mount(self) -> None:
        rate = REDUCED_MOTION_REDRAWS_PER_SECOND if self.app.has_class("-reduced-motion") else STATUS_UPDATES_PER_SECOND
        self.set_interval(1 / rate, self._refresh_view)
        self.query_one(LossPlot).reset(self._plot_title(), self._goal_line())
        board = self.query(RaceBoard)
        if board:
            board.first().set_lanes({lane.name: lane.style for lane in self.lanes.values()})
        if self.app.warm:
            self.run_worker(self._warm_all(), group="warm")

    def leave(self) -> None:
        """Leaving the step ends its runs (the app closes any still going when it exits too).

        Called before the panel's children are removed: from then on a run's events, which arrive
        when they arrive, are dropped rather than drawn on a plot that is no longer there."""
        self.leaving = True
        for lane in self.lanes.values():
            if lane.run is not None:
                run, lane.run = lane.run, None
                run.detach()
                self.app.run_worker(self._close(run), group="close")

    def on_unmount(self) -> None:
        self.leave()

    async def _close(self, run: TrainingRun) -> None:
        await run.close()
        self.app.untrack(run)

    def _goal_line(self) -> float | None:
        if self.step.goal is None:
            return None
        showing_metric = self.view == "metric"
        loss_goal = self.goal_metric.endswith("loss")
        return self.step.goal.threshold if (showing_metric or loss_goal and self.goal_metric == "val_loss") else None

    # Runs ---------------------------------------------------------------------------------------
    def _new_run(self, lane: Lane) -> TrainingRun:
        run = TrainingRun(None, lambda event, lane=lane: self._on_event(lane, event))
        self.app.track(run)
        return run

    async def _warm_all(self) -> None:
        for lane in self.lanes.values():
            if lane.run is None and not self.leaving:
                lane.run = self._new_run(lane)
                await lane.run.warm()
        if self.leaving:
            self.leave()  # left while a child was starting: end it too

    async def _prepare(self, lane: Lane) -> None:
        """Have the warm child build the job as the knobs stand, so Start is instant."""
        if lane.run is not None and lane.ready and not lane.run.started:
            await lane.run.prepare(self.job_for(lane))

    def _prepare_all(self) -> None:
        for lane in self.lanes.values():
            self.run_worker(self._prepare(lane), group="prepare")

    def job_for(self, lane: Lane) -> dict[str, Any]:
        choices = {k: v for k, v in self.values.items() if not ((self.race or self.learner_cell) and k == "cell")}
        if self.race:
            choices["cell"] = lane.name
        device = str(self.query_one("#device", Select).value)
        job = step_job(self.step, self.lesson_file, choices, device, learner_cell=self.learner_cell)
        job["serve"] = self.step.task == "classify"  # typed names are answered after the run too
        if len(self.lanes) > 1:
            job["threads"] = 1  # racing cells share the cores; one thread each avoids thrashing
        return job

    @property
    def prediction(self) -> PredictBox | None:
        found = self.query(PredictBox)
        return found.first() if found else None

    def _asks_prediction_first(self) -> bool:
        """Start without a prediction: ask once (the next press runs without one)."""
        box = self.prediction
        if box is None or box.chosen is not None or box.asked_once:
            return False
        box.asked_once = True
        self.app.notify(f"Pick one of 1-{len(self.step.predict.choices)} first, then start. "
                        "(Press space again to run without a prediction.)", title="Predict first", timeout=6)
        box.query_one(RadioSet).focus()
        return True

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "predict":
            box = self.prediction
            return box is not None and parameters[0] <= len(box.predict.choices) and \
                self.state in ("idle", "finished", "failed")
        return True

    def action_predict(self, number: int) -> None:
        box = self.prediction
        if box is not None:
            box.pick(number - 1)

    async def start(self) -> None:
        if self._asks_prediction_first():
            return
        self.timings = {"start_pressed": time.monotonic()}
        self.pending = None
        self._set_state("starting")
        self.query_one("#status", Static).update(STARTING)
        self.goal_announced = False
        self.query_one(LossPlot).reset(self._plot_title(), self._goal_line())
        self.query_one(".live-view").reset()
        for lane in self.lanes.values():
            lane.train, lane.val, lane.metric, lane.losses = [], [], [], []
            lane.summary = lane.failed = lane.last_step = lane.started = None
            if lane.run is None or lane.run.started:
                old = lane.run
                if old is not None:
                    self.app.run_worker(self._close(old), group="close")
                lane.run = self._new_run(lane)
            await lane.run.start(self.job_for(lane))
            if self.leaving:
                self.leave()  # left while the children were starting: end them too
                return
        self._set_state("running")
        if self.prediction is not None:
            self.prediction.running()
        pending, self.pending = self.pending, None
        if pending == "pause":
            await self.action_start_or_pause()
        elif pending == "stop":
            await self.action_stop()

    def _set_state(self, state: str) -> None:
        self.state = state
        start = self.query_one("#start", Button)
        start.label = {"running": "⏸ Pause", "starting": "⏸ Pause", "paused": "▶ Resume",
                       "stopping": "▶ Start"}.get(state, "▶ Start")
        self.query_one("#stop", Button).disabled = state not in ("running", "paused", "starting")
        self.set_class(state == "running", "-running")
        if state in ("idle", "finished", "failed"):
            self.query_one("#status", Static).update(self._status_line())

    async def action_start_or_pause(self) -> None:
        # Keys that arrive while a run starts or stops are not lost: they act once it has.
        if self.state == "starting":
            self.pending = None if self.pending == "pause" else "pause"
            return
        if self.state == "stopping":
            self.pending = None if self.pending == "start" else "start"
            if self.pending:
                self.query_one("#status", Static).update("stopping… then a new run starts")
            return
        if self.state == "running":
            for lane in self.lanes.values():
                if lane.run:
                    await lane.run.pause()
            self._set_state("paused")
            self.query_one("#status", Static).update("[b]paused[/b]: space resumes")
        elif self.state == "paused":
            for lane in self.lanes.values():
                if lane.run:
                    await lane.run.resume()
            self._set_state("running")
        else:
            await self.start()

    async def action_stop(self) -> None:
        if self.state == "starting":
            self.pending = "stop"
            return
        if self.state not in ("running", "paused"):
            return
        self._set_state("stopping")
        self.query_one("#status", Static).update("stopping: the model is evaluated one last time…")
        for lane in self.lanes.values():
            if lane.run and lane.run.started:
                await lane.run.resume()
                self.run_worker(lane.run.stop(), group="stop")

    async def action_reset_run(self) -> None:
        for lane in self.lanes.values():
            if lane.run is not None:
                run, lane.run = lane.run, None
                self.app.untrack(run)
                await run.close()
            lane.train, lane.val, lane.metric, lane.losses = [], [], [], []
            lane.summary = lane.failed = lane.last_step = lane.started = None
        self.query_one(LossPlot).reset(self._plot_title(), self._goal_line())
        self.query_one(".live-view").reset()
        self.query_one(ProgressBar).update(progress=0)
        self._set_state("idle")
        self.query_one("#status", Static).update(self._idle_status())
        if self.prediction is not None:
            self.prediction.stopped_before_start()
        if self.app.warm:
            self.run_worker(self._warm_all(), group="warm")

    def action_knobs(self) -> None:
        """To the settings: ↑/↓ pick one, ←/→ turn it, esc goes back to Start."""
        knobs = self.query(Knob)
        if knobs:
            knobs.first().focus()

    def action_type_name(self) -> None:
        """classify: jump to the box where any name can be tried on the network."""
        box = self.query("#ask-name")
        if box:
            box.first().focus()

    def action_toggle_log(self) -> None:
        plot = self.query_one(LossPlot)
        plot.set_log(not plot.log_scale)
        plot.redraw()  # a key answers at once; only the stream of events waits for the timer

    def action_toggle_view(self) -> None:
        if not self.goal_metric or self.goal_metric == "val_loss":
            self.app.notify("This step's goal is the loss itself; the loss view shows it.")
            return
        self.view = "loss" if self.view == "metric" else "metric"
        self._replot()
        self.query_one(LossPlot).redraw()

    def _replot(self) -> None:
        plot = self.query_one(LossPlot)
        plot.reset(self._plot_title(), self._goal_line())
        for lane in self.lanes.values():
            for x, y in lane.train:
                self._plot_point(lane, "train", x, y)
            for x, y in lane.val:
                self._plot_point(lane, "val", x, y)
            for x, y in lane.metric:
                self._plot_point(lane, "metric", x, y)

    def _plot_point(self, lane: Lane, kind: str, x: float, y: float) -> None:
        plot = self.query_one(LossPlot)
        if self.race:  # one colour per cell; the title says which measure, the legend which cell
            if self.view == "metric" and kind == "metric":
                plot.add(lane.name, x, y, lane.style)
            elif self.view != "metric" and kind == "train":
                plot.add(lane.name, x, y, lane.style)
            elif self.view != "metric" and kind == "val":
                plot.add(f"{lane.name} val", x, y, lane.style, markers=True, legend=False)
        elif self.view == "metric":
            if kind == "metric":
                plot.add(self.goal_metric, x, y, "yellow", markers=True)
        elif kind == "train":
            plot.add("train", x, y, "cyan")
        elif kind == "val":
            plot.add("val", x, y, "magenta", markers=True)

    # Events from the child ----------------------------------------------------------------------
    def _on_event(self, lane: Lane, event: dict[str, Any]) -> None:
        if self.leaving or not self.is_attached:
            return
        kind = event.get("event")
        handler = getattr(self, f"_event_{kind}", None)
        if handler is not None:
            handler(lane, event)

    def _event_ready(self, lane: Lane, event: dict[str, Any]) -> None:
        lane.ready = True
        self.run_worker(self._prepare(lane), group="prepare")
        if self.app.devices is None:
            self.app.record_devices(event.get("devices") or [])
            select = self.query_one("#device", Select)
            value = select.value
            select.set_options(self._device_options())
            select.value = value

    def _event_prepared(self, lane: Lane, event: dict[str, Any]) -> None:
        lane.prepared = True

    def _event_started(self, lane: Lane, event: dict[str, Any]) -> None:
        lane.started = event
        self._show_recipe()
        self.query_one(".live-view").on_started(event, lane.name)
        shape = f"{event['config']['cell']} {event['config']['layers']}x{event['config']['hidden']}"
        self.query_one("#status", Static).update(
            f"training {shape} on [b]{event['device']}[/b] · {event['params']:,} parameters…")

    def _event_step(self, lane: Lane, event: dict[str, Any]) -> None:
        if "first_step" not in self.timings:
            self.timings["first_step"] = time.monotonic()
        lane.last_step = event
        lane.losses.extend(event.get("losses", ()))
        lane.train.append((event["step"], event["loss"]))
        self._plot_point(lane, "train", event["step"], event["loss"])
        self.view_dirty = True  # drawn by _refresh_view, a few times a second at most

    def _refresh_view(self) -> None:
        """The one timer that repaints during a run: plot, progress and status in the same frame."""
        if self.leaving:
            return
        rate = REDUCED_MOTION_REDRAWS_PER_SECOND if self.app.has_class("-reduced-motion") else REDRAWS_PER_SECOND
        self.query_one(LossPlot).redraw_if_dirty(min_interval=0.9 / rate)
        if not self.view_dirty:
            return
        self.view_dirty = False
        steps = [lane.last_step["progress"] for lane in self.lanes.values() if lane.last_step]
        if steps:
            self.query_one(ProgressBar).update(progress=100 * min(steps))
        if self.state == "running":
            self.query_one("#status", Static).update(self._status_line())

    def _status_line(self) -> str:
        if self.race:
            return self._race_status_line()
        parts = []
        for lane in self.lanes.values():
            prefix = f"[{lane.style}]{lane.name}[/] " if self.race else ""
            if lane.failed:
                parts.append(f"{prefix}[red]failed[/red]")
            elif lane.last_step:
                s = lane.last_step
                eta = ""
                if self.state == "running" and 0 < s["progress"] < 1:
                    left = s["seconds"] * (1 - s["progress"]) / s["progress"]
                    eta = f" · {int(left) // 60}:{int(left) % 60:02d} left"
                goal = ""
                if self.goal_metric and lane.metric and self.goal_metric != "val_loss":
                    goal = f" · {self.goal_metric} {goal_progress(lane.metric[-1][1], self.step.goal)}"
                parts.append(f"{prefix}step {s['step']:,} · loss {s['loss']:.3f}{goal} · "
                             f"{s['items_per_s']:,.0f} {self.info.item}/s{eta}")
        if not parts:
            return STARTING if self.state in ("starting", "running") else self._idle_status()
        state = {"finished": " · [b]finished[/b]", "failed": ""}.get(self.state, "")
        return "  │  ".join(parts) + state

    def _race_status_line(self) -> str:
        """One short line for all the cells (the board below has their steps and accuracy)."""
        parts, left = [], 0.0
        for lane in self.lanes.values():
            name = f"[{lane.style}]{lane.name}[/]"
            if lane.failed:
                parts.append(f"{name} [red]failed[/red]")
            elif lane.last_step:
                s = lane.last_step
                parts.append(f"{name} {s['items_per_s']:,.0f}/s")
                if 0 < s["progress"] < 1:
                    left = max(left, s["seconds"] * (1 - s["progress"]) / s["progress"])
        if not parts:
            return STARTING if self.state in ("starting", "running") else self._idle_status()
        tail = f" · {int(left) // 60}:{int(left) % 60:02d} left" if self.state == "running" and left else ""
        state = {"finished": " · [b]finished[/b]"}.get(self.state, "")
        return f"{self.info.item}/s: " + "  ".join(parts) + tail + state

    def _event_eval(self, lane: Lane, event: dict[str, Any]) -> None:
        lane.val.append((event["step"], event["val_loss"]))
        self._plot_point(lane, "val", event["step"], event["val_loss"])
        if self.goal_metric and self.goal_metric in event["metrics"]:
            value = event["metrics"][self.goal_metric]
            lane.metric.append((event["step"], value))
            self._plot_point(lane, "metric", event["step"], value)
        self.query_one(".live-view").on_eval(event, lane.name)

    def _event_sample(self, lane: Lane, event: dict[str, Any]) -> None:
        self.query_one(".live-view").on_sample(event, lane.name)

    def _event_prediction(self, lane: Lane, event: dict[str, Any]) -> None:
        self.query_one(".live-view").on_prediction(event)

    def _event_goal(self, lane: Lane, event: dict[str, Any]) -> None:
        if self.goal_announced:
            return
        self.goal_announced = True
        who = f"{lane.name}: " if self.race else ""
        message = (f"{who}{event['metric']} {event['value']:.3g} at step {event['step']:,} "
                   f"({event['seconds']:.0f} s). Step done!")
        reduced = self.app.has_class("-reduced-motion")
        self.app.notify(message, title="Goal reached" if reduced else "🎉 Goal reached", timeout=5)
        if not reduced:
            self.add_class("-celebrate")
            self.set_timer(1.5, lambda: self.remove_class("-celebrate"))
        self.post_message(self.GoalReached(self.step.id, {"lane": lane.name, **event}))

    def _event_failed(self, lane: Lane, event: dict[str, Any]) -> None:
        lane.failed = event
        who = f"{lane.name}: " if self.race else ""
        advice = ADVICE.get(event.get("kind", ""), "")
        self.app.notify(f"{who}{event['message']}\n{advice}", title="Training failed", severity="error", timeout=15)
        self.query_one("#status", Static).update(
            f"[b red]✗ {who}training failed ({event.get('kind')})[/]: {escape(event['message'])}  {advice}")
        self._maybe_done()

    def _event_finished(self, lane: Lane, event: dict[str, Any]) -> None:
        lane.summary = event["summary"]
        self._maybe_done()

    def _event_warning(self, lane: Lane, event: dict[str, Any]) -> None:
        self.app.notify(event.get("message", ""), severity="warning")

    def _maybe_done(self) -> None:
        if any(lane.summary is None and lane.failed is None for lane in self.lanes.values()):
            return
        failed = [lane for lane in self.lanes.values() if lane.failed]
        self._set_state("failed" if len(failed) == len(self.lanes) else "finished")
        if self.pending == "start":  # space while it was stopping: train again now
            self.pending = None
            self.call_later(self.start)
        summaries = {lane.name: lane.summary for lane in self.lanes.values() if lane.summary}
        verdict = self.prediction.finished(summaries) if self.prediction is not None else None
        if failed and len(failed) == len(self.lanes):
            lane = failed[0]
            self.query_one("#status", Static).update(
                f"[b red]✗ training failed ({lane.failed.get('kind')})[/]: {escape(lane.failed['message'])}  "
                f"{ADVICE.get(lane.failed.get('kind', ''), '')}")
            return
        if all(s.get("stopped_by") in ("max_steps", "max_seconds") for s in summaries.values()):
            self.query_one(ProgressBar).update(progress=100)  # the budget is spent, whatever the last step said
        best = next((s for s in summaries.values() if s.get("passed")), None)
        if best is not None:
            record = _short_summary(best)
            if verdict is not None:
                record["prediction"] = self.prediction.record()
            self.post_message(self.GoalReached(self.step.id, record))
        self.query_one("#status", Static).update(self._summary_line(summaries))

    def _summary_line(self, summaries: dict[str, dict[str, Any]]) -> str:
        if self.race:
            return self._race_summary_line(summaries)
        parts = []
        for name, s in summaries.items():
            who = f"{name}: " if self.race else ""
            goal = s.get("goal") or {}
            reached = "[green]goal reached[/]" if goal.get("reached") else ("[yellow]goal not reached[/]" if goal else "")
            metric = f"{self.goal_metric} {s['metrics'].get(self.goal_metric, s.get('val_loss')):.3g}" \
                if self.goal_metric and self.goal_metric != "val_loss" else f"val loss {s['val_loss']:.3f}"
            parts.append(f"{who}{s['steps']:,} steps in {s['seconds']:.0f} s on {s['device']} · {metric} · "
                         f"{s['items_per_second']:,.0f} {s['item']}/s {reached}")
        return "[b]done[/b]: " + "  │  ".join(parts) + "  · space trains again"

    def _race_summary_line(self, summaries: dict[str, dict[str, Any]]) -> str:
        """One short line for every cell, so the last one is not wrapped away at 80 columns."""
        metric = self.goal_metric or "val_loss"
        parts, seconds = [], 0.0
        for lane in self.lanes.values():
            name = f"[{lane.style}]{lane.name}[/]"
            s = summaries.get(lane.name)
            if s is None:
                parts.append(f"{name} [red]failed[/]")
                continue
            seconds = max(seconds, s["seconds"])
            value = s["metrics"].get(metric, s.get("val_loss"))
            reached = (s.get("goal") or {}).get("reached")
            parts.append(f"{name} {value:.2f}{' [green]✓[/]' if reached else ''}")
        return f"[b]done[/b] in {seconds:.0f} s · {metric}: " + "  ".join(parts) + " · space races again"

    # Sharing: the recipe that replays this run, and its curve as CSV ----------------------------
    def recipe(self) -> str | None:
        """The run's one-line recipe, once its child has resolved the settings and the device."""
        started = [lane.started for lane in self.lanes.values() if lane.started]
        if not started:
            return None
        first = started[0]
        cells = list(self.lanes) if self.race else None
        return format_recipe(f"{self.lesson_id}/{self.step.id}", first["config"], first["device"],
                             cells=cells, learner_cell=self.learner_cell)

    def _show_recipe(self) -> None:
        recipe = self.recipe()
        if recipe:
            line = self.query_one("#recipe", Static)
            line.update(f"recipe: {recipe}")
            line.display = True

    def curve_csv(self) -> str:
        parts = []
        for lane in self.lanes.values():
            if not lane.losses:
                continue
            metrics = dict(lane.metric)
            evals = [(int(step), val, metrics.get(step)) for step, val in lane.val]
            first = int(lane.last_step["step"]) - len(lane.losses) if lane.last_step else 0
            parts.append(curve_csv(lane.losses, first, evals, cell=lane.name if self.race else None))
        return join_csv(parts)

    def action_export_csv(self) -> None:
        """Save the curve (step, train_loss, val_loss, metric) in the current folder."""
        text = self.curve_csv()
        if not text:
            self.app.notify("Nothing to export yet: press space to train first.", timeout=4)
            return
        if self.state in ("running", "paused"):
            self.app.notify("Exporting the curve so far; the run goes on.", timeout=3)
        name = f"rnn-tutor-{self.lesson_id}-{self.step.id}-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        self.app.deliver_text(io.StringIO(text), save_directory=Path.cwd(), save_filename=name,
                              mime_type="text/csv", name="the curve")

    def action_copy_recipe(self) -> None:
        recipe = self.recipe()
        if recipe is None:
            self.app.notify("The recipe appears once a run starts.", timeout=3)
            return
        self.app.copy_to_clipboard(recipe)
        self.app.notify("Recipe copied (in terminals that allow it). Replay it with:\n"
                        f"rnn-tutor train --recipe \"{recipe}\"", timeout=8, markup=False)

    # Controls -----------------------------------------------------------------------------------
    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "device" and self.state not in ("running", "paused"):
            self._prepare_all()

    async def on_knob_changed(self, event: Knob.Changed) -> None:
        self.values[event.knob.setting] = event.value
        if self.state not in ("running", "paused"):
            self._prepare_all()
            return
        if event.knob.live:
            for lane in self.lanes.values():
                if lane.run:
                    await lane.run.set(event.knob.setting, event.value)
                    if event.knob.setting in ("temperature", "top_k", "prompt"):
                        await lane.run.request_sample()  # see the change now, not at the next sample
        else:
            self.app.notify(f"{event.knob.setting} = {event.value} applies when you press Start again.",
                            timeout=3)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "start":
            await self.action_start_or_pause()
        elif event.button.id == "stop":
            await self.action_stop()
        elif event.button.id == "reset":
            await self.action_reset_run()

    async def on_name_guesses_asked(self, event: NameGuesses.Asked) -> None:
        lane = next(iter(self.lanes.values()))
        if lane.run is None or not lane.run.started or not lane.run.running:
            self.app.notify("Start training first: the guesses come from the network you train.", timeout=4)
            return
        self.request_id += 1
        await lane.run.predict(event.names, self.request_id)


def goal_progress(value: float, goal) -> str:
    """`0.776/0.78`: the value with as many digits as it takes not to look like the goal when it is not
    reached (0.7796 printed as 0.78 next to a goal of 0.78 reads as reached)."""
    higher = METRICS[goal.metric].higher_is_better
    reached = value >= goal.threshold if higher else value <= goal.threshold
    shown = f"{value:.3g}"
    for digits in range(4, 12):
        if reached or float(shown) != goal.threshold:
            break
        shown = f"{value:.{digits}g}"
    return f"{shown}/{goal.threshold:g}" + (" ✓" if reached else "")


def _short_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """What progress keeps of a run: enough to say how it went, not its samples."""
    keep = ("task", "device", "config", "steps", "seconds", "val_loss", "metrics", "items_per_second", "goal")
    return {k: summary.get(k) for k in keep}
