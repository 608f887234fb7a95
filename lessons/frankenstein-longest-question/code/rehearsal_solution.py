"""The rehearsal reader, fixed: the LSTM is told the batch comes first, so output[:, -1, :] is the
state after the last word of each question."""

import torch
from torch import nn


class RehearsalReader(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, answers: int):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, answers)

    def forward(self, questions: torch.Tensor) -> torch.Tensor:
        # questions: (batch, words, features), one row per question
        output, _ = self.lstm(questions)
        return self.head(output[:, -1, :])
