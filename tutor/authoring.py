"""Provides the author's commands: lessons, validate, check, new, schema."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def run_lessons(args: argparse.Namespace) -> int:
    from .lesson.estimate import minutes
    from .lesson.search import load_library

    library = load_library(args.lessons)
    rows = [{"id": lesson.id, "title": lesson.title, "story": lesson.story, "requires": list(lesson.requires),
             "steps": len(lesson.steps), "minutes": round(minutes(lesson)),
             "file": str(library.files[lesson_id]),
             "problems": [str(p) for p in library.problems if p.path == library.files[lesson_id]]}
            for lesson_id, lesson in library.lessons.items()]
    broken = [{"file": str(f), "problems": [str(p) for p in library.problems if p.path == f]}
              for f in library.broken]
    if args.json:
        print(json.dumps({"lessons": rows, "broken": broken}, indent=2))
        return 0
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title="Lessons", title_justify="left")
    for col in ("id", "title", "story", "steps", "min", "file"):
        table.add_column(col)
    for row in rows:
        table.add_row(escape(row["id"]), escape(row["title"]), escape(row["story"]), str(row["steps"]),
                      str(row["minutes"]), escape(row["file"]) + (f"  [red]{len(row['problems'])} problem(s)[/]" if row["problems"] else ""))
    console.print(table)
    for item in broken:
        for problem in item["problems"]:
            console.print(f"[red]problem[/] {escape(problem)}", markup=True, soft_wrap=True)
    files_with_problems = len(broken) + sum(1 for row in rows if row["problems"])
    if files_with_problems:
        print(f"{files_with_problems} of {len(rows) + len(broken)} lesson file(s) have problems; "
              f"{len(rows)} lesson(s) load", file=sys.stderr)
    return 0


def run_check(args: argparse.Namespace) -> int:
    from .lesson.load import load_lesson

    files = lesson_files_from(args.paths)
    if files is None:
        return 1
    from models.runtime import prepare_threads

    threads = prepare_threads(None)
    import torch

    torch.set_num_threads(threads)
    from models.catalog import SettingError
    from models.data import DataError
    from models.trainer import Trainer

    from .settings import Settings
    from .trust import is_trusted, untrusted_message

    trusted = Settings.load().trusted_code_dirs
    bad = 0
    for file in files:
        lesson, problems = load_lesson(file)
        for problem in problems:
            print(problem)
        if lesson is None:
            bad += 1
            continue
        for step in lesson.steps:
            if step.kind == "code":
                if not args.trust and not is_trusted(file.parent, trusted):
                    print(f"{file}: steps.{step.id}: not run: " + untrusted_message("this code step", file.parent.resolve()))
                    bad += 1
                    continue
                passed = check_code_step(file, lesson.id, step)
                if passed and step.then_train:
                    passed = check_then_train(file, lesson, step)
                bad += not passed
                continue
            if step.kind != "train":
                continue
            data = step.data
            try:
                summary = Trainer(step.task, step.settings, device="cpu", max_steps=args.steps, evals=1,
                                  corpus=file.parent / data.corpus if data.corpus else None,
                                  names=file.parent / data.names if data.names else None).run()
            except (SettingError, DataError) as err:
                print(f"{file}: steps.{step.id}: cannot start: {err}")
                bad += 1
                continue
            if summary["failed"]:
                print(f"{file}: steps.{step.id}: training failed: {summary['failed']['message']}")
                bad += 1
            else:
                print(f"{file}: {lesson.id}/{step.id}: trains ({step.task}, {summary['steps']} steps, "
                      f"val_loss {summary['val_loss']:.3f})")
    print(f"{len(files)} lesson file(s) checked, {bad} with problems", file=sys.stderr)
    return 1 if bad else 0


def check_then_train(file, lesson, code) -> bool:
    """The shipped solution, as the learner's cell, must reach the goal a learner is given at `then_train`
    within that step's budget: a learner who did everything right must not be told they failed."""
    from models.trainer import Trainer

    from .jobs import for_learner_cell, step_job

    target = for_learner_cell(lesson, next(s for s in lesson.steps if s.id == code.then_train))
    cell = {"file": str(file.parent / code.solution), "entry": code.entry}
    job = {**step_job(target, file, {}, "cpu", learner_cell=cell), "stop_at_goal": True}
    summary = Trainer.from_job(job).run()
    where = f"{file}: steps.{code.id}.then_train"
    if summary["failed"]:
        print(f"{where}: the solution failed to train at {target.id}: {summary['failed']['message']}")
        return False
    goal, reached = target.goal, (summary.get("goal") or {}).get("reached")
    if goal is None:
        print(f"{where}: the solution trains at {target.id} ({summary['steps']} steps)")
        return True
    value = summary["val_loss"] if goal.metric == "val_loss" else summary["metrics"].get(goal.metric)
    if reached is None:
        print(f"{where}: the solution does not reach {goal.metric} {goal.threshold:g} at {target.id} within its "
              f"budget ({summary['steps']} steps, {summary['seconds']:.0f} s: {goal.metric} {value:.3f}); lower "
              "then_train_goal or raise the budget")
        return False
    print(f"{where}: the solution reaches {goal.metric} {goal.threshold:g} at {target.id} "
          f"(step {reached['step']}, {reached['seconds']:.0f} s)")
    return True


def check_code_step(file, lesson_id: str, step) -> bool:
    """Like rustlings' author check: the starter must fail a check and the solution pass them all."""
    from .codecheck import run_checks_sync
    from .lesson.paths import lesson_path

    name = f"{lesson_id}/{step.id}"
    ok = True
    starter = run_checks_sync(step, file.parent, lesson_path(file.parent, step.starter))
    if all(v.passed for v in starter):
        print(f"{file}: steps.{step.id}: the starter already passes every check: nothing is left to write")
        ok = False
    else:
        failed = next(v for v in starter if v.status == "failed")
        print(f"{file}: {name}: starter fails as it should ({failed.kind}: {failed.message[:70]}...)")
    solution = run_checks_sync(step, file.parent, lesson_path(file.parent, step.solution))
    failed = [v for v in solution if not v.passed]
    if failed:
        print(f"{file}: steps.{step.id}: the solution fails the {failed[0].kind} check: {failed[0].message}")
        ok = False
    else:
        print(f"{file}: {name}: solution passes {len(solution)} checks")
    return ok


def run_new(args: argparse.Namespace) -> int:
    from .lesson.scaffold import scaffold

    try:
        file = scaffold(args.id, Path(args.dir))
    except (ValueError, OSError) as err:
        print(f"rnn-tutor new: error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {file}\nnext: edit it, then `rnn-tutor validate {file.parent}`")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    from .lesson.schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def lesson_files_from(paths: list[str]):
    """Files named, or every lesson.yaml below folders named; None (after a message) if one is missing."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(path.rglob("lesson.yaml"))
            if not found:
                print(f"{path}: no lesson.yaml in this folder", file=sys.stderr)
                return None
            files += found
        elif path.exists():
            files.append(path)
        else:
            print(f"{path}: no such file or folder", file=sys.stderr)
            return None
    return files


def _requires_cycle(start: str, requires: dict[str, list[str]]) -> list[str] | None:
    """A chain of `requires` from `start` back to itself, if there is one."""
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for needed in requires.get(node, []):
            if needed == start:
                return path + [start]
            if needed not in seen:
                seen.add(needed)
                stack.append((needed, path + [needed]))
    return None


def run_validate(args: argparse.Namespace) -> int:
    from .lesson import estimate
    from .lesson.load import Problem, load_lesson, position_of

    files = lesson_files_from(args.paths)
    if files is None:
        return 1
    from .lesson.search import load_library

    loaded = {file: load_lesson(file) for file in files}
    known = set(load_library().lessons) | {lesson.id for lesson, _ in loaded.values() if lesson}
    requires = {**{lid: list(l.requires) for lid, l in load_library().lessons.items()},
                **{lesson.id: list(lesson.requires) for lesson, _ in loaded.values() if lesson}}
    first_file: dict[str, Path] = {}
    bad = 0
    for file, (lesson, problems) in loaded.items():
        if lesson is not None:
            problems = [Problem(file, *position_of(file, ("requires", n)), f"requires[{n}]",
                                f"no lesson with the id {needed!r} on the search path or among the files given")
                        for n, needed in enumerate(lesson.requires) if needed not in known]
            if lesson.id in first_file:
                problems.append(Problem(file, None, None, "id", f"{lesson.id!r} is also the id of "
                                        f"{first_file[lesson.id]}; progress is kept by id, so each lesson needs its own"))
            first_file.setdefault(lesson.id, file)
            cycle = _requires_cycle(lesson.id, requires)
            if cycle:
                problems.append(Problem(file, *position_of(file, ("requires", lesson.requires.index(cycle[1]))),
                                        "requires", "lessons that require each other can never "
                                        "be started: " + " -> ".join(cycle)))
        for problem in problems:
            print(problem)
        if problems:
            bad += 1
        else:
            print(f"{file}: ok ({lesson.id}: {len(lesson.steps)} steps, about {round(estimate.minutes(lesson))} min)")
            off = estimate.estimate_problem(lesson)
            if off:
                print(Problem(file, *position_of(file, ("estimated_minutes",)), "estimated_minutes",
                              f"warning: {off}"))
    if bad:
        print(f"{bad} of {len(files)} lesson file(s) have problems", file=sys.stderr)
    return 1 if bad else 0
