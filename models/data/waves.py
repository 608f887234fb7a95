"""Provides the "brain activity" of the Oz story: several channels of sines plus noise."""

from __future__ import annotations

import math

import torch


def make_waves(length: int = 24_000, channels: int = 3, noise: float = 0.1, seed: int = 0) -> torch.Tensor:
    """A (length, channels) signal, normalised to zero mean and unit variance per channel.

    Each channel mixes a few rhythms shared by all channels (the brain's common beat) with one
    of its own, then adds Gaussian noise: the noise is what no forecaster can predict, so
    `noise**2` is roughly the lowest next-step MSE there is.
    """
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(length, dtype=torch.float64)

    def rhythm():
        period = float(torch.empty(1).uniform_(12.0, 120.0, generator=g))
        phase = float(torch.empty(1).uniform_(0.0, 2 * math.pi, generator=g))
        return torch.sin(2 * math.pi * t / period + phase)

    shared = [rhythm() for _ in range(3)]
    columns = []
    for _ in range(channels):
        weights = torch.empty(4).uniform_(0.3, 1.0, generator=g)
        clean = sum(w * r for w, r in zip(weights, shared + [rhythm()]))
        clean = (clean - clean.mean()) / clean.std()
        columns.append(clean + noise * torch.randn(length, generator=g, dtype=torch.float64))
    return torch.stack(columns, dim=1).float()
