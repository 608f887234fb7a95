"""Prints char-lm validation loss (nats/char) at equal wall time for given settings.

By default it learns the three shipped lesson corpora joined (about 1 MB of plain ASCII English
prose written for this project) with `rnn-tutor train char-lm`'s defaults, one run per budget
(the learning-rate schedule follows each run's budget, as it does for a user). `--baseline` also
runs the plain recipe the targets were measured against: a 1-layer LSTM, hidden 256, embedding
64, batch 64, seq 64, Adam 2e-3 held constant, clip 5.
Usage: python bench/char_lm.py [--corpus FILE] [--at 30,60,180] [--set key=value]... [--baseline]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import ROOT, print_table, setup

BASELINE = {"cell": "lstm", "hidden": 256, "embed": 64, "batch": 64, "seq": 64, "lr": 2e-3,
            "schedule": "constant", "warmup": 0, "clip": 5.0, "keep_bias": 0.0}


def joined_corpus() -> Path:
    parts = sorted((ROOT / "lessons").glob("*/corpus.txt"))
    text = "".join(p.read_text(encoding="utf-8") for p in parts)
    out = Path(tempfile.gettempdir()) / "rnn-tutor-bench-corpus.txt"
    out.write_text(text, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="a UTF-8 text file (default: the lesson corpora joined)")
    parser.add_argument("--at", default="30,60,180", help="budgets in seconds")
    parser.add_argument("--set", dest="settings", action="append", default=[])
    parser.add_argument("--baseline", action="store_true", help="also run the plain recipe")
    parser.add_argument("--evals", type=int, default=4)
    args = parser.parse_args()
    threads = setup()
    from models.catalog import parse_assignments
    from models.trainer import Trainer

    corpus = Path(args.corpus) if args.corpus else joined_corpus()
    size = corpus.stat().st_size
    recipes = [("defaults" if not args.settings else " ".join(args.settings),
                parse_assignments("char-lm", args.settings))]
    if args.baseline:
        recipes.append(("plain LSTM baseline", BASELINE))
    print(f"corpus {corpus} ({size:,} bytes), {threads} threads, cpu")
    rows = []
    for label, settings in recipes:
        for budget in (float(b) for b in args.at.split(",")):
            s = Trainer("char-lm", settings, device="cpu", max_seconds=budget, corpus=corpus,
                        evals=args.evals).run()
            rows.append([label, f"{budget:g}", s["val_loss"], s["metrics"]["word_rate"],
                         s["items_per_second"], s["steps"]])
            print_table(["recipe", "seconds", "val_loss", "word_rate", "chars/s", "steps"], rows[-1:])
    print()
    print_table(["recipe", "seconds", "val_loss", "word_rate", "chars/s", "steps"], rows)


if __name__ == "__main__":
    main()
