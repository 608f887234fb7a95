"""Provides `rnn-tutor train`: the trainer run in-process with a Rich progress bar and a text chart."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from pathlib import Path

from models.catalog import TASKS, Goal, SettingError, parse_assignments, settings_for, task_info
from models.data import DataError
from models.runtime import prepare_threads

from .files import write_atomic
from .jobs import check_choices, for_learner_cell, step_job
from .share import check_task_settings, curve_csv, format_recipe, join_csv, parse_recipe

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
DEFAULT_SECONDS = 60.0


def _error(message: str) -> int:
    print(f"rnn-tutor train: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def settings_table(task: str) -> Table:
    info = task_info(task)
    table = Table(title=f"Settings of {task} (--set KEY=VALUE)", title_justify="left")
    for col in ("key", "default", "allowed", "meaning"):
        table.add_column(col)
    for name, s in settings_for(task).items():
        allowed = s.allowed()
        table.add_row(name, repr(info.defaults[name]), allowed, s.help + (" (live)" if s.live else ""))
    return table


def _lesson_step(args: argparse.Namespace):
    """Resolve LESSON/STEP to (lesson, file, train step), or raise SettingError saying why not."""
    from tutor.lesson.search import load_library

    lesson_id, _, step_id = args.target.partition("/")
    library = load_library(args.lessons)
    if lesson_id not in library.lessons:
        known = ", ".join(sorted(library.lessons)) or "none found"
        broken = [str(p) for p in library.problems if p.path.parent.name == lesson_id]
        extra = f" ({broken[0]})" if broken else ""
        raise SettingError(f"no lesson {lesson_id!r}{extra}; lessons: {known}")
    lesson = library.lessons[lesson_id]
    trains = [s.id for s in lesson.steps if s.kind == "train"]
    step = next((s for s in lesson.steps if s.id == step_id), None)
    if step is None or step.kind != "train":
        raise SettingError(f"{lesson_id} has no train step {step_id!r}; its train steps: {', '.join(trains)}")
    return lesson, library.files[lesson_id], step


def _csv_problem(path: Path) -> str | None:
    """Why the curve cannot be written at `path`: only a new file or an existing regular file is
    replaced (never a device node, a pipe or a folder), in a folder that exists."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        return err.strerror or str(err)
    if mode is not None and stat.S_ISDIR(mode):
        return "is a folder; give a file name (curve.csv)"
    if mode is not None and not stat.S_ISREG(mode):
        return "is not a regular file (a device or a pipe); give a file name"
    parent = path.resolve().parent
    if not parent.is_dir():
        return f"the folder {parent} does not exist"
    if not os.access(parent, os.W_OK):
        return f"the folder {parent} cannot be written"
    return None


def run_train(args: argparse.Namespace) -> int:
    console = Console(stderr=args.json, highlight=False)
    lesson = step = recipe = None
    corpus, names, goal, sample_every = args.corpus, args.names, None, None
    max_seconds, max_steps, evals, device = args.max_seconds, args.max_steps, args.evals, args.device
    learner_cell = None
    runs: list[dict[str, Any]] = []  # one per cell: a race recipe trains each cell in turn
    try:
        if args.recipe is not None:
            if args.target is not None or args.settings:
                raise SettingError("--recipe says what to train and how; give no TASK, LESSON/STEP or --set with it")
            recipe = parse_recipe(args.recipe)
            args.target = recipe.target
            device = device or recipe.device
            learner_cell = recipe.learner_cell
            if learner_cell and not getattr(args, "trust", False):
                from .settings import Settings
                from .trust import is_trusted, untrusted_message

                code = Path(learner_cell["file"]).expanduser()
                if not is_trusted(code, Settings.load().trusted_code_dirs):
                    raise SettingError("recipe: " + untrusted_message(f"code={code}", code.parent.resolve()))
        elif args.target is None:
            raise SettingError("say what to train: a task (" + ", ".join(TASKS) + "), a lesson's "
                               "train step (dracula/visitors) or --recipe \"...\"")
        if "/" in args.target:
            lesson, file, step = _lesson_step(args)
            if learner_cell:
                step = for_learner_cell(lesson, step)
            task = step.task
            if recipe is not None:
                check_task_settings(recipe, task)
                choices = [recipe.settings(task, cell) for cell in recipe.cells or [None]]
            else:
                requested = parse_assignments(task, args.settings)
                check_choices(step, requested, args.target)
                choices = [requested]
            for chosen in choices:
                job = step_job(step, file, chosen, device, learner_cell=learner_cell)
                runs.append({"settings": job["settings"], "cell": chosen.get("cell")})
            if max_seconds is None and max_steps is None:
                max_seconds, max_steps = job["max_seconds"], job["max_steps"]
            device = job["device"]
            corpus = corpus or job.get("corpus")
            names = names or job.get("names")
            evals = evals or job["evals"]
            sample_every = job["sample_every"]
            if "goal" in job:
                goal = Goal(**job["goal"])
        else:
            task = args.target
            task_info(task)
            if any(s.strip() in ("help", "list") for s in args.settings):
                console.print(settings_table(task))
                return 0
            if recipe is not None:
                check_task_settings(recipe, task)
                runs = [{"settings": recipe.settings(task, cell), "cell": cell} for cell in recipe.cells or [None]]
            else:
                runs = [{"settings": parse_assignments(task, args.settings), "cell": None}]
    except (SettingError, DataError) as err:
        return _error(str(err))
    if args.csv and (problem := _csv_problem(Path(args.csv))):
        return _error(f"--csv {args.csv}: {problem}")  # said now, not after the training it would record
    info = task_info(task)
    goal = goal or info.goal
    if args.corpus and task != "char-lm":
        return _error(f"--corpus is for the char-lm task, not {task}")
    if args.names and task != "classify":
        return _error(f"--names is for the classify task, not {task}")
    if max_seconds is None and max_steps is None:
        max_seconds = DEFAULT_SECONDS

    cores = os.cpu_count() or 1
    if args.threads and args.threads > cores:
        console.print(f"[yellow]--threads {args.threads} is more than this machine's {cores} cores; using "
                      f"{cores} (more threads than cores only wait for each other).[/]")
        args.threads = cores
    threads = prepare_threads(args.threads)
    import torch  # only now: the thread policy above must be in place before torch starts

    torch.set_num_threads(threads)
    from models.devices import DeviceError
    from models.trainer import CheckpointError, Trainer

    target = f"{lesson.id}/{step.id}" if lesson is not None else task
    code = 0
    tables: list[str] = []
    for run in runs:
        view = _LiveView(console, info.item, json_mode=args.json, target=target, learner_cell=learner_cell)
        job = {"task": task, "settings": run["settings"], "device": device or "auto", "max_steps": max_steps,
               "max_seconds": max_seconds, "evals": evals or 10, "sample_every": sample_every, "corpus": corpus,
               "names": names, "checkpoint": args.checkpoint, "resume": args.resume,
               "goal": {"metric": goal.metric, "threshold": goal.threshold}, "stop_at_goal": args.until_goal,
               "learner_cell": learner_cell}
        try:
            trainer = Trainer.from_job(job, on_event=view.on_event)
        except (SettingError, DeviceError, DataError, CheckpointError) as err:
            return _error(str(err))

        with view.progress:
            summary = trainer.run()
        if lesson is not None:
            summary["lesson"], summary["step"] = lesson.id, step.id
        summary["recipe"] = view.recipe
        view.finish(summary, trainer)
        if args.csv:
            evals_seen = [(e["step"], e["metrics"]["val_loss"], e["metrics"].get(goal.metric))
                          for e in trainer.evals_done]
            tables.append(curve_csv(trainer.losses, trainer.first_step, evals_seen,
                                    cell=run["cell"] if len(runs) > 1 else None))
        if args.json:
            print(json.dumps(summary, default=str), flush=True)
        if summary["failed"]:
            code = code or EXIT_FAILED
        elif summary["stopped_by"] == "interrupted":
            code = 130
            break
    if args.csv:
        if problem := _csv_problem(Path(args.csv)):
            return _error(f"--csv {args.csv}: {problem}")
        try:
            write_atomic(Path(args.csv), join_csv(tables))
        except OSError as err:
            return _error(f"--csv {args.csv}: {err.strerror or err}")
        console.print(f"curve written to {Path(args.csv).resolve()} (step, train_loss, val_loss, metric)")
    return code


class _LiveView:
    """Turns trainer events into a progress bar, printed samples and, at the end, a chart."""

    def __init__(self, console: Console, item: str, json_mode: bool, target: str,
                 learner_cell: dict[str, str] | None = None):
        self.console = console
        self.item = item
        self.target, self.learner_cell = target, learner_cell
        self.recipe: str | None = None
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TextColumn("{task.fields[rate]}"),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.bar = self.progress.add_task("starting", total=1000, loss="-", rate="")
        self.val: list[tuple[int, float]] = []

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "started":
            c = event["config"]
            shape = f"{c['cell']} {c['layers']}x{c['hidden']}"
            budget = event["budget"]
            limits = [f"{budget['max_steps']} steps" if budget["max_steps"] else "",
                      f"{budget['max_seconds']:g} s" if budget["max_seconds"] else ""]
            self.console.print(
                f"Training [bold]{event['task']}[/] on {event['device']} ({event['threads']} threads): "
                f"{shape}, {event['params']:,} parameters, budget {' or '.join(x for x in limits if x)}"
            )
            self.recipe = format_recipe(self.target, c, event["device"], learner_cell=self.learner_cell)
            self.console.print(f"[dim]recipe:[/] {escape(self.recipe)}", soft_wrap=True)
            self.progress.update(self.bar, description=event["task"])
        elif kind == "step":
            self.progress.update(self.bar, completed=event["progress"] * 1000,
                                 loss=f"{event['loss']:.3f}",
                                 rate=f"{event['items_per_s']:,.0f} {self.item}/s")
        elif kind == "eval":
            self.val.append((event["step"], event["val_loss"]))
            shown = "  ".join(f"{k} {v:.4g}" for k, v in event["metrics"].items())
            self.console.print(f"[dim]step {event['step']:>6} {event['seconds']:6.1f}s[/]  {shown}")
        elif kind == "sample":
            self.console.print(_render_sample(event))
        elif kind == "goal":
            self.console.print(f"[green]goal reached: {event['metric']} {event['value']:.4g} "
                               f"at step {event['step']} ({event['seconds']} s)[/]")
        elif kind == "failed":
            self.console.print(f"[bold red]training failed ({event['kind']}):[/] {escape(event['message'])}")

    def finish(self, summary: dict[str, Any], trainer) -> None:
        if summary["failed"] and summary["failed"]["kind"] == "error":
            self.console.print(Text(summary["failed"].get("traceback", ""), style="dim"))
        history = trainer.history
        if len(history) >= 2:
            self.console.print(Text.from_ansi(_loss_chart(history, self.val, self.console.width)))
        table = Table(show_header=False, box=None)
        table.add_row("steps", f"{summary['steps']:,}")
        table.add_row("seconds", f"{summary['seconds']:.1f}")
        table.add_row("throughput", f"{summary['items_per_second']:,.0f} {summary['item']}/s")
        if summary["train_loss"] is not None:
            table.add_row("train loss", f"{summary['train_loss']:.4f}")
        if summary["val_loss"] is not None:
            table.add_row("val loss", f"{summary['val_loss']:.4f}")
        for key, value in summary["metrics"].items():
            if key != "train_loss":
                table.add_row(key, f"{value:.4f}")
        if summary["goal"]:
            reached = summary["goal"]["reached"]
            table.add_row("goal", summary["goal"]["describe"] + (
                f": reached at step {reached['step']} ({reached['seconds']} s)" if reached else ": not reached"))
        table.add_row("stopped by", str(summary["stopped_by"] or summary["failed"]["kind"]))
        self.console.print(table)


def _render_sample(event: dict[str, Any]) -> Text:
    if "text" in event:
        body = Text(f"sample at step {event['step']} (temperature {event['temperature']:g}):\n", style="dim")
        body.append(event["text"].strip("\n")[:600])
        return body
    rows = event["rows"]
    if rows and "guesses" in rows[0]:
        out = Text(f"guesses at step {event['step']}:\n", style="dim")
        for r in rows:
            mark = ("OK ", "green") if r["correct"] else ("NO ", "red")
            guesses = ", ".join(f"{c} {p:.0%}" for c, p in r["guesses"])
            out.append(mark[0], style=mark[1])
            out.append(f"{r['name']:<16} {r['true']:<10} -> {guesses}\n")
        return out
    if rows and "forecast" in rows[0]:
        r = rows[0]
        start = r["forecast_start"]
        truth = r["true"][start:]
        err = sum((a - b) ** 2 for a, b in zip(r["forecast"], truth)) / max(1, len(truth))
        return Text(f"forecast at step {event['step']}: channel 0, {len(truth)} points ahead, "
                    f"squared error {err:.3f}", style="dim")
    if rows and "symbol" in rows[0]:
        right = sum(r["correct"] for r in rows)
        shown = " ".join(f"{r['symbol']}->{r['guess']}" for r in rows)
        return Text(f"recall at step {event['step']} (gap {rows[0]['gap']}): {shown}  ({right}/{len(rows)} right)",
                    style="dim")
    return Text(json.dumps(event)[:200], style="dim")


def _loss_chart(history: list[dict[str, float]], val: list[tuple[int, float]], width: int) -> str:
    import plotext as plt

    step_limit = 400
    stride = max(1, len(history) // step_limit)  # a chart cannot show more points than columns
    points = history[::stride]
    plt.clear_figure()
    plt.plot([h["step"] for h in points], [h["loss"] for h in points], label="train")
    if val:
        plt.plot([s for s, _ in val], [v for _, v in val], label="val", marker="dot")
    plt.title("loss")
    plt.xlabel("step")
    last = max([h["step"] for h in points] + [s for s, _ in val] + [1])
    ticks = sorted({round(last * i / 4) for i in range(5)})
    plt.xticks(ticks, [f"{t:,}" for t in ticks])  # steps are whole numbers (plotext would print 750.8)
    plt.plotsize(min(width, 100), 16)
    plt.theme("clear")
    return plt.build()
