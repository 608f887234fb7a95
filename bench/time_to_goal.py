"""Prints how long each task takes, with `rnn-tutor train TASK` defaults, to reach its goal.

Each task runs with --until-goal semantics (stop at the first evaluation that meets the goal)
under a time cap; it evaluates about once a second, so the time is accurate to about a second.
Usage: python bench/time_to_goal.py [--cap 120] [--tasks char-lm,classify,regress,recall]
"""

from __future__ import annotations

import argparse

from _common import print_table, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=120.0, help="seconds before giving up")
    parser.add_argument("--tasks", default="char-lm,classify,regress,recall")
    args = parser.parse_args()
    threads = setup()
    from models.catalog import TASKS
    from models.trainer import Trainer

    print(f"task defaults, cpu, {threads} threads, cap {args.cap:g} s")
    rows = []
    for name in args.tasks.split(","):
        info = TASKS[name]
        s = Trainer(name, {}, device="cpu", max_seconds=args.cap, evals=int(args.cap), goal=info.goal,
                    stop_at_goal=True).run()
        reached = s["goal"]["reached"]
        rows.append([name, info.goal.describe(), reached["seconds"] if reached else "not reached",
                     reached["step"] if reached else s["steps"], s["items_per_second"]])
    print_table(["task", "goal", "seconds", "steps", "items/s"], rows)


if __name__ == "__main__":
    main()
