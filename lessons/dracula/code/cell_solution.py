"""The creature's first memory: one step of the chapter's recurrent cell (solution)."""

import torch
from torch import nn


class CreatureCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, letter: torch.Tensor, hidden: torch.Tensor):
        combined = torch.cat((letter, hidden), dim=1)
        return self.softmax(self.i2o(combined)), self.i2h(combined)

    def init_hidden(self) -> torch.Tensor:
        return torch.zeros(1, self.hidden_size)
