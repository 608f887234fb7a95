"""Provides what the bench scripts share: thread setup before torch, and a table printer."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.runtime import prepare_threads  # noqa: E402  (plain module, no torch)


def setup(threads: int | None = None) -> int:
    """Apply the same thread policy as `rnn-tutor train`, then import torch."""
    n = prepare_threads(threads)
    import torch

    torch.set_num_threads(n)
    return n


def print_table(headers: list[str], rows: list[list]) -> None:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.rjust(w) if n else c.ljust(w) for c, w in zip(row, widths)), flush=True)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)
