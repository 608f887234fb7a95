"""Prints the memory race: accuracy on the recall task for rnn, lstm and gru at a given gap.

The vanishing-gradient demonstration of the Frankenstein lesson: with `gap` noise steps between
the symbol and the question, LSTM and GRU should learn to remember, the vanilla RNN should not.
Usage: python bench/recall_race.py [--gap 50] [--seconds 60] [--cells rnn,lstm,gru]
"""

from __future__ import annotations

import argparse

from _common import print_table, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gap", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--cells", default="rnn,lstm,gru")
    parser.add_argument("--set", dest="settings", action="append", default=[])
    args = parser.parse_args()
    threads = setup()
    from models.catalog import parse_assignments
    from models.trainer import Trainer

    extra = parse_assignments("recall", args.settings)
    print(f"recall, gap {args.gap}, {args.seconds:g} s per cell, {threads} threads; chance is 12.5%")
    rows = []
    for cell in args.cells.split(","):
        curve = []
        trainer = Trainer("recall", {"cell": cell, "gap": args.gap, **extra}, device="cpu",
                          max_seconds=args.seconds, evals=6,
                          on_event=lambda e: curve.append(e) if e["event"] == "eval" else None)
        s = trainer.run()
        first_95 = next((f"{e['seconds']:.0f}" for e in curve if e["metrics"]["accuracy"] >= 0.95), "-")
        rows.append([cell, s["steps"], s["items_per_second"], s["metrics"]["accuracy"], s["val_loss"],
                     first_95, " ".join(f"{e['metrics']['accuracy']:.2f}" for e in curve)])
    print_table(["cell", "steps", "seq/s", "accuracy", "val_loss", "s to 95%", "accuracy at each eval"], rows)


if __name__ == "__main__":
    main()
