"""One night of Oz's practice: the training step of the Brass Listener.

The listener, its optimizer and its loss are built for you. Write `train_step`: the five moves of
the training loop for one batch of ribbons, with the gradients clipped before the step.
"""

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
        # x, y: (batch, beats, 1); y[:, t] is the beat after x[:, t]
        # 1. clear the old gradients
        # 2. run the whole batch: guesses = self(x)
        # 3. the loss of every beat, summed over the beats:
        #    sum of self.loss_fn(guesses[:, t], y[:, t]) for every t
        # 4. backward, then clip the gradient norm to self.clip
        #    (torch.nn.utils.clip_grad_norm_)
        # 5. one optimizer step; return the loss as a number (.item())
        raise NotImplementedError("write the five moves")
