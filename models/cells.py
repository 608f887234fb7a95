"""Provides the hand-written recurrent cells the lessons open up: the chapter's cell and a named LSTM."""

from __future__ import annotations

import torch
from torch import nn


class ChapterRNN(nn.Module):
    """The Dracula chapter's network, exactly as the story teaches it.

    One step reads a letter (one-hot) and the previous hidden state, glued side by side.
    `i2h` turns that pair into the next hidden state (the memory carried to the next letter);
    `i2o` turns the same pair into scores for each class, and LogSoftmax makes them
    log-probabilities for NLLLoss. It is fed one letter at a time by the caller's loop.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, letter: torch.Tensor, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        combined = torch.cat((letter, hidden), dim=1)
        hidden = self.i2h(combined)
        output = self.softmax(self.i2o(combined))
        return output, hidden

    def init_hidden(self, batch: int = 1) -> torch.Tensor:
        return torch.zeros(batch, self.hidden_size, device=self.i2h.weight.device)


class ElmanCell(nn.Module):
    """Elman's simple recurrent cell (1990): the chapter's `i2h` with a squashing function.

    `h' = tanh(i2h(cat(x, h)))`. The chapter's cell has no tanh, which is harmless on a ten-letter
    name but lets the hidden state grow without bound over a long text; Elman squashed it.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)

    def forward(self, x: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.i2h(torch.cat((x, hidden), dim=1)))


class NamedLSTMCell(nn.Module):
    """An LSTM cell written gate by gate, with the names the lessons use.

    The lessons' four gates and the standard names they correspond to:
      learn    = the input gate `i` times the candidate `g`: what new to write into memory
      forget   = the forget gate `f` times the old cell state: what old memory to keep
      remember = forget + learn: the new cell state `c` (long-term memory)
      use      = the output gate `o` times tanh(remember): the new hidden state `h` (what is said)
    One Linear over `cat(x, h)` computes the four pre-activations in nn.LSTMCell's order
    (i, f, g, o), so weights copy across: W = [W_ih | W_hh], b = b_ih + b_hh.
    """

    def __init__(self, input_size: int, hidden_size: int, forget_bias: float = 1.0):
        super().__init__()
        self.hidden_size = hidden_size
        self.gates = nn.Linear(input_size + hidden_size, 4 * hidden_size)
        with torch.no_grad():
            # Start by remembering: a positive forget-gate bias keeps the cell state alive early
            # in training, so gradients reach far back before the gate has learnt anything; the
            # input gate starts as closed as the forget gate is open, so the cell does not fill
            # with everything it reads (networks.py, _init_keep_bias, says why).
            self.gates.bias[hidden_size : 2 * hidden_size].fill_(forget_bias)
            self.gates.bias[:hidden_size].fill_(-forget_bias)

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        hidden, cell = state
        ignore, keep, candidate, focus = self.gates(torch.cat((x, hidden), dim=1)).chunk(4, dim=1)
        learn = torch.sigmoid(ignore) * torch.tanh(candidate)
        forget = torch.sigmoid(keep) * cell
        remember = forget + learn
        use = torch.sigmoid(focus) * torch.tanh(remember)
        return use, remember

    @torch.no_grad()
    def load_from_lstm_cell(self, reference: nn.LSTMCell) -> None:
        """Copy an nn.LSTMCell's weights, so both compute the same function."""
        self.gates.weight.copy_(torch.cat((reference.weight_ih, reference.weight_hh), dim=1))
        self.gates.bias.copy_(reference.bias_ih + reference.bias_hh)
