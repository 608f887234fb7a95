"""One night of Oz's practice: the training step of the Brass Listener (solution)."""

import torch
from torch import nn


class Practice(nn.Module):
    def __init__(self, hidden_size: int):
        super().__init__()
        self.rnn = nn.RNN(1, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)
        self.loss_fn = nn.MSELoss()
        self.optimizer = torch.optim.SGD(self.parameters(), lr=0.05)
        self.clip = 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(out)  # a guess at every beat: (batch, beats, 1)

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        self.optimizer.zero_grad()
        guesses = self(x)
        loss = sum(self.loss_fn(guesses[:, t], y[:, t]) for t in range(x.shape[1]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.parameters(), self.clip)
        self.optimizer.step()
        return loss.item()
