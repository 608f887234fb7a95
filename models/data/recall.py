"""Provides the long-memory task: see a symbol, sit through `gap` steps of noise, then name it."""

from __future__ import annotations

import torch

SYMBOLS = 8
"""Symbols to remember; guessing scores 1/8 = 12.5%."""
NOISE = 32
"""Distinct noise tokens that fill the gap. Many of them, because a plain RNN can carry a symbol
through a gap of few distinct tokens (measured: 40% right at gap 50 with 8 noise tokens, chance
with 32) and the lesson is about memory that noise washes out."""
QUERY = SYMBOLS + NOISE
"""The token that asks for the symbol."""
VOCAB = SYMBOLS + NOISE + 1


def make_batch(batch: int, gap: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Token sequences (batch, gap + 2) and the symbol each must recall (batch,)."""
    symbol = torch.randint(0, SYMBOLS, (batch,), generator=generator)
    noise = torch.randint(SYMBOLS, SYMBOLS + NOISE, (batch, gap), generator=generator)
    query = torch.full((batch, 1), QUERY, dtype=torch.long)
    return torch.cat((symbol.unsqueeze(1), noise, query), dim=1), symbol
