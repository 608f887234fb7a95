"""The creature's first memory: one step of the chapter's recurrent cell.

Fill in `forward` and `init_hidden`. Read the lesson's explain step first: the cell glues the
letter and the memory side by side, then two Linear layers read the pair.
"""

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
        # 1. glue `letter` (1, input_size) and `hidden` (1, hidden_size) side by side
        # 2. the new memory comes from i2h, the guess from i2o followed by self.softmax
        # 3. return (guess, new memory)
        raise NotImplementedError("write the cell's forward step")

    def init_hidden(self) -> torch.Tensor:
        # A blank memory: zeros, one row, hidden_size columns.
        raise NotImplementedError("write init_hidden")
