"""Provides the `rnn-tutor` command line; imports nothing heavy until a subcommand needs it."""

from __future__ import annotations

import argparse
import sys

from . import __version__


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds (got {text!r})") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0 (got {text!r})")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {text!r})")
    return value


def build_parser() -> argparse.ArgumentParser:
    from models.catalog import TASKS  # plain data, no torch

    parser = argparse.ArgumentParser(
        prog="rnn-tutor",
        description="Learn recurrent neural networks in the terminal: story lessons, quizzes, "
        "and real RNN / LSTM / GRU training you watch live.",
    )
    parser.add_argument("--version", action="version", version=f"rnn-tutor {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    tasks = ", ".join(TASKS)
    train = commands.add_parser(
        "train",
        help="train a task headless, with a progress bar, live samples and a loss chart",
        description=f"Train a task ({tasks}) with its default settings, or with --set overrides. "
        "Prints a progress bar, samples as they come and a loss chart; --json prints a one-line "
        "JSON summary last.",
        epilog="Settings: rnn-tutor train TASK --set help lists every setting the task takes.",
    )
    train.add_argument("target", metavar="TASK|LESSON/STEP",
                       help=f"a task ({tasks}) or a lesson's train step, e.g. dracula/visitors")
    train.add_argument("--device", help="auto (default), cpu, cuda, cuda:N or mps")
    train.add_argument("--lessons", action="append", default=[], metavar="DIR",
                       help="also look for lessons in this folder (repeatable)")
    train.add_argument("--max-seconds", type=_positive_float, metavar="S",
                       help="stop after S seconds of training (default 60 when no budget is given)")
    train.add_argument("--max-steps", type=_positive_int, metavar="N", help="stop after N steps")
    train.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                       help="override a setting, e.g. --set cell=gru --set lr=0.001 (repeatable)")
    train.add_argument("--json", action="store_true", help="print a one-line JSON summary last")
    train.add_argument("--checkpoint", metavar="PATH", help="save the model here at each evaluation and at the end")
    train.add_argument("--resume", metavar="PATH", help="continue from a checkpoint")
    train.add_argument("--corpus", metavar="FILE", help="char-lm: a UTF-8 text file to learn")
    train.add_argument("--names", metavar="DIR", help="classify: a folder of <Class>.txt name lists")
    train.add_argument("--until-goal", action="store_true", help="stop as soon as the task's goal is reached")
    train.add_argument("--evals", type=_positive_int, metavar="N",
                       help="evaluations spread over the budget (default 10)")
    train.add_argument("--threads", type=_positive_int, metavar="N",
                       help="CPU threads for torch (default: 2, or 1 on a one-core machine)")
    train.set_defaults(handler=_run_train)

    validate = commands.add_parser(
        "validate",
        help="check lesson files; print every problem as file:line:col: key: message",
        description="Validate lesson files (a lesson.yaml, or folders holding them). Exit 1 if any "
        "problem is found, 0 otherwise.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="a lesson file or a folder of lessons")
    validate.set_defaults(handler=_run_validate)

    lessons = commands.add_parser(
        "lessons", help="list the lessons on the search path, and any problems",
        description="List lessons: built-in, the user's data folder, --lessons folders and "
        "$RNN_TUTOR_LESSONS. Lessons with problems are listed with them; the others still load.")
    lessons.add_argument("--lessons", action="append", default=[], metavar="DIR",
                         help="also look in this folder (repeatable)")
    lessons.add_argument("--json", action="store_true", help="print JSON instead of a table")
    lessons.set_defaults(handler=_run_lessons)

    check = commands.add_parser(
        "check", help="validate lessons, then run each train step for a few steps on the cpu",
        description="Validate lesson files or folders, then prove every train step runs: a few "
        "steps on the cpu with the step's settings. Code-step checks arrive with code exercises. "
        "Exit 1 on any problem.")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--steps", type=_positive_int, default=5, help="training steps per train step (default 5)")
    check.set_defaults(handler=_run_check)

    new = commands.add_parser("new", help="write a commented, valid lesson to start from",
                              description="Write DIR/ID/lesson.yaml (one step of every kind, every "
                              "key commented) and its starter and solution files.")
    new.add_argument("id", metavar="ID", help="the lesson id: lower-case letters, digits, hyphens")
    new.add_argument("--dir", default=".", help="the folder to create it in (default: here)")
    new.set_defaults(handler=_run_new)

    schema = commands.add_parser("schema", help="print the lesson JSON Schema (draft-07)",
                                 description="Print the lesson JSON Schema, generated from the "
                                 "lesson models, for editors (yaml-language-server) and tools.")
    schema.set_defaults(handler=_run_schema)
    return parser


def _run_train(args: argparse.Namespace) -> int:
    from .headless import run_train

    return run_train(args)


def _run_lessons(args: argparse.Namespace) -> int:
    import json

    from .lesson.search import load_library

    library = load_library(args.lessons)
    rows = [{"id": lesson.id, "title": lesson.title, "story": lesson.story,
             "steps": len(lesson.steps), "minutes": lesson.estimated_minutes,
             "file": str(library.files[lesson_id]),
             "problems": [str(p) for p in library.problems if p.path == library.files[lesson_id]]}
            for lesson_id, lesson in library.lessons.items()]
    broken = [{"file": str(f), "problems": [str(p) for p in library.problems if p.path == f]}
              for f in library.broken]
    if args.json:
        print(json.dumps({"lessons": rows, "broken": broken}, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title="Lessons", title_justify="left")
    for col in ("id", "title", "story", "steps", "min", "file"):
        table.add_column(col)
    for row in rows:
        table.add_row(row["id"], row["title"], row["story"], str(row["steps"]), str(row["minutes"]),
                      row["file"] + (f"  [red]{len(row['problems'])} problem(s)[/]" if row["problems"] else ""))
    console.print(table)
    for item in broken:
        for problem in item["problems"]:
            console.print(f"[red]problem[/] {problem}", markup=True, soft_wrap=True)
    return 0


def _run_check(args: argparse.Namespace) -> int:
    from .lesson.load import load_lesson

    files = _lesson_files(args.paths)
    if files is None:
        return 1
    from models.runtime import prepare_threads

    threads = prepare_threads(None)
    import torch

    torch.set_num_threads(threads)
    from models.catalog import SettingError
    from models.data import DataError
    from models.trainer import Trainer

    bad = 0
    for file in files:
        lesson, problems = load_lesson(file)
        for problem in problems:
            print(problem)
        if lesson is None:
            bad += 1
            continue
        for step in lesson.steps:
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


def _run_new(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .lesson.scaffold import scaffold

    try:
        file = scaffold(args.id, Path(args.dir))
    except (ValueError, OSError) as err:
        print(f"rnn-tutor new: error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {file}\nnext: edit it, then `rnn-tutor validate {file.parent}`")
    return 0


def _run_schema(args: argparse.Namespace) -> int:
    from .lesson.schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def _lesson_files(paths: list[str]):
    """Files named, or every lesson.yaml below folders named; None (after a message) if one is missing."""
    from pathlib import Path

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


def _run_validate(args: argparse.Namespace) -> int:
    from .lesson.load import Problem, load_lesson

    files = _lesson_files(args.paths)
    if files is None:
        return 1
    from .lesson.search import load_library

    loaded = {file: load_lesson(file) for file in files}
    known = set(load_library().lessons) | {lesson.id for lesson, _ in loaded.values() if lesson}
    bad = 0
    for file, (lesson, problems) in loaded.items():
        if lesson is not None:
            problems = [Problem(file, None, None, "requires", f"no lesson with the id {needed!r} "
                                "on the search path or among the files given")
                        for needed in lesson.requires if needed not in known]
        for problem in problems:
            print(problem)
        if problems:
            bad += 1
        else:
            print(f"{file}: ok ({lesson.id}: {len(lesson.steps)} steps)")
    if bad:
        print(f"{bad} of {len(files)} lesson file(s) have problems", file=sys.stderr)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
