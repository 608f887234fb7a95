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
    parser.add_argument("--lessons", action="append", default=[], metavar="DIR",
                        help="also look for lessons in this folder (repeatable)")
    parser.add_argument("--device", help="train on this device: auto (default), cpu, cuda, cuda:N or mps")
    # Set by `serve` for each browser tab: no terminal, a private temporary data folder.
    parser.add_argument("--served", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--allow-code", action="store_true", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    open_ = commands.add_parser("open", help="open the app at a lesson, or at one of its steps",
                                description="Open the app at LESSON (where you stopped in it) or at "
                                "LESSON/STEP.")
    open_.add_argument("target", metavar="LESSON[/STEP]", help="e.g. dracula or dracula/visitors")
    open_.add_argument("--lessons", action="append", default=[], metavar="DIR", dest="open_lessons",
                       help="also look for lessons in this folder (repeatable)")
    open_.add_argument("--device", dest="open_device", help="train on this device")
    open_.set_defaults(handler=_run_app)

    demo = commands.add_parser(
        "demo", help="presenter mode: a lesson for a class (big plot, answers on a key, step counter)",
        description="Open LESSON (or LESSON/STEP) in presenter mode, for projecting to a class: the "
        "step list gives way, the plot and samples take the screen, quiz answers and explanations "
        "wait for a (reveal), a step counter shows where you are, ctrl+s saves the screen as SVG "
        "in the current folder. P (shift+p) toggles presenter mode in the app.")
    demo.add_argument("target", metavar="LESSON[/STEP]", help="e.g. frankenstein or oz/foretell")
    demo.add_argument("--auto", nargs="?", const=0.0, type=_positive_float, metavar="SECONDS",
                      help="move on from story steps by themselves: every SECONDS, or, without a "
                      "number, after the time it takes to read the step aloud (A toggles it)")
    demo.add_argument("--lessons", action="append", default=[], metavar="DIR", dest="open_lessons",
                      help="also look for lessons in this folder (repeatable)")
    demo.add_argument("--device", dest="open_device", metavar="D", help="train on this device")
    demo.set_defaults(handler=_run_app, presenter=True)

    serve = commands.add_parser(
        "serve", help="serve the app to browsers (each tab its own app); loopback unless --host says",
        description="Serve rnn-tutor to web browsers with textual-serve: every tab runs its own app, "
        "with its own progress (kept until the tab closes). Listens on 127.0.0.1 unless --host "
        "says otherwise; any other address lets everyone on that network open it.")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; 0.0.0.0 for the classroom network)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    serve.add_argument("--lessons", action="append", default=[], metavar="DIR", dest="serve_lessons",
                       help="also offer the lessons in this folder (repeatable)")
    serve.add_argument("--device", dest="serve_device", metavar="D", help="train on this device")
    serve.add_argument("--allow-code", action="store_true", dest="serve_allow_code",
                       help="let students run code steps (their Python runs on this machine)")
    serve.set_defaults(handler=_run_serve)

    tasks = ", ".join(TASKS)
    train = commands.add_parser(
        "train",
        help="train a task headless, with a progress bar, live samples and a loss chart",
        description=f"Train a task ({tasks}) with its default settings, or with --set overrides. "
        "Prints a progress bar, samples as they come and a loss chart; --json prints a one-line "
        "JSON summary last.",
        epilog="Settings: rnn-tutor train TASK --set help lists every setting the task takes.",
    )
    train.add_argument("target", metavar="TASK|LESSON/STEP", nargs="?",
                       help=f"a task ({tasks}) or a lesson's train step, e.g. dracula/visitors")
    train.add_argument("--trust", action="store_true",
                       help="let a recipe's code=FILE from outside your own code folder run")
    train.add_argument("--recipe", metavar='"RECIPE"',
                       help="replay a run from its one-line recipe (the train panel shows it; this "
                       "command prints it), e.g. \"dracula/visitors cell=gru ... seed=0 device=cpu\"")
    train.add_argument("--csv", metavar="PATH",
                       help="write the run's curve as CSV: step, train_loss, val_loss, metric")
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
    validate.set_defaults(handler=_author("run_validate"))

    lessons = commands.add_parser(
        "lessons", help="list the lessons on the search path, and any problems",
        description="List lessons: built-in, the user's data folder, --lessons folders and "
        "$RNN_TUTOR_LESSONS. Lessons with problems are listed with them; the others still load.")
    lessons.add_argument("--lessons", action="append", default=[], metavar="DIR",
                         help="also look in this folder (repeatable)")
    lessons.add_argument("--json", action="store_true", help="print JSON instead of a table")
    lessons.set_defaults(handler=_author("run_lessons"))

    check = commands.add_parser(
        "check", help="validate lessons, then run each train step for a few steps on the cpu",
        description="Validate lesson files or folders, then prove every train step runs: a few "
        "steps on the cpu with the step's settings. Code-step checks arrive with code exercises. "
        "Exit 1 on any problem.")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--steps", type=_positive_int, default=5, help="training steps per train step (default 5)")
    check.add_argument("--trust", action="store_true",
                       help="run the code steps of lessons from outside rnn-tutor (their solutions are Python)")
    check.set_defaults(handler=_author("run_check"))

    new = commands.add_parser("new", help="write a commented, valid lesson to start from",
                              description="Write DIR/ID/lesson.yaml (one step of every kind, every "
                              "key commented) and its starter and solution files.")
    new.add_argument("id", metavar="ID", help="the lesson id: lower-case letters, digits, hyphens")
    new.add_argument("--dir", default=".", help="the folder to create it in (default: here)")
    new.set_defaults(handler=_author("run_new"))

    schema = commands.add_parser("schema", help="print the lesson JSON Schema (draft-07)",
                                 description="Print the lesson JSON Schema, generated from the "
                                 "lesson models, for editors (yaml-language-server) and tools.")
    schema.set_defaults(handler=_author("run_schema"))
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number (got {text!r})") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (got {text!r})")
    return value


def _run_serve(args: argparse.Namespace) -> int:
    from .serve import run_serve

    args.lessons = [*args.lessons, *args.serve_lessons]
    args.device = args.serve_device or args.device
    args.allow_code = args.serve_allow_code
    return run_serve(args)


def _run_train(args: argparse.Namespace) -> int:
    from .headless import run_train

    return run_train(args)


def _author(name: str):
    """The author commands live in tutor/authoring.py, imported only when one runs."""

    def run(args: argparse.Namespace) -> int:
        from . import authoring

        return getattr(authoring, name)(args)

    return run


def _run_app(args: argparse.Namespace) -> int:
    """The Textual app; torch is never imported here (training runs in child processes)."""
    if args.served:
        return _run_served_app(args)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("rnn-tutor: the app needs a terminal; run it in one, or see `rnn-tutor --help` "
              "for the commands that work without one.", file=sys.stderr)
        return 2
    from .app import TutorApp

    target = getattr(args, "target", None)
    lessons = args.lessons + getattr(args, "open_lessons", [])
    device = getattr(args, "open_device", None) or args.device
    app = TutorApp(lesson_dirs=lessons, device=device, open_target=target,
                   presenter=getattr(args, "presenter", False), auto_seconds=getattr(args, "auto", None))
    app.run()
    return app.return_code or 0


def _run_served_app(args: argparse.Namespace) -> int:
    """One browser tab of `rnn-tutor serve`: textual-serve's web driver, a private data folder."""
    import tempfile
    from pathlib import Path

    from .app import TutorApp

    with tempfile.TemporaryDirectory(prefix="rnn-tutor-tab-") as folder:
        data = Path(folder)
        app = TutorApp(lesson_dirs=args.lessons, device=args.device, progress_path=data / "progress.json",
                       settings_path=data / "settings.json", code_dir=data / "code",
                       allow_code=args.allow_code, served=True)
        app.run()
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _run_app(args)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
