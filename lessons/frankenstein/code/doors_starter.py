"""Frank's doors: one step of an LSTM cell, written from its gates.

Fill in `forward`. One Linear layer, `self.gates`, reads `cat(x, h)` and gives all four gates'
pre-activations at once, in the order PyTorch uses: input (learn), forget, candidate, output (use).
"""

import torch
from torch import nn


class FourDoors(nn.Module):
    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.gates = nn.Linear(input_size + hidden_size, 4 * hidden_size)

    def forward(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor):
        # 1. one Linear over torch.cat((x, h), dim=1), then .chunk(4, dim=1): i, f, g, o
        # 2. sigmoid for the three doors (i, f, o), tanh for the candidate g
        # 3. the new ledger c = f * c + i * g; what is said h = o * tanh(c)
        # 4. return (h, c)
        raise NotImplementedError("open the three doors and let the scribe write")
