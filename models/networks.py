"""Provides the networks the tasks train, over any cell: rnn, lstm, gru, elman or lstm-cell."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from typing import Union

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .catalog import CELLS
from .cells import ElmanCell, NamedLSTMCell

State = Union[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]
"""h of shape (layers, batch, hidden), or (h, c) for the LSTM cells, as nn.LSTM keeps them."""


def detach_state(state: State | None) -> State | None:
    """Cut the graph behind a carried hidden state.

    The next window starts from these values but must not backpropagate into the previous
    window: that graph is already freed, and going through it would make every step cost more.
    """
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)  # type: ignore[return-value]
    return state.detach()


class Recurrent(nn.Module):
    """A stack of recurrent layers over batch-first input (batch, time, features).

    Built-in cells run as nn.RNN / nn.LSTM / nn.GRU with `batch_first=True` (their fast kernels);
    the hand-written cells run in a Python loop over time steps, which is slower but is the code a
    learner reads. With `lengths`, padded steps do not touch the state: built-ins pack the batch,
    the hand-written loop holds each sequence's state once it has ended.
    """

    def __init__(self, cell: str, input_size: int, hidden: int, layers: int = 1, dropout: float = 0.0,
                 keep_bias: float = 1.0, cell_class: type | None = None):
        """`cell_class`: with cell "lstm-cell", the learner's own LSTM cell (a code step's class,
        built as `cell_class(input_size, hidden)` and called as `forward(x, h, c) -> (h, c)`)."""
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}; choose one of: {', '.join(CELLS)}")
        self.cell = cell
        self.hidden = hidden
        self.layers = layers
        self.is_lstm = cell in ("lstm", "lstm-cell")
        between = dropout if layers > 1 else 0.0
        if cell in ("rnn", "lstm", "gru"):
            builtin = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
            self.rnn = builtin(input_size, hidden, num_layers=layers, batch_first=True, dropout=between)
            if cell in ("lstm", "gru"):
                _init_keep_bias(self.rnn, hidden, keep_bias)
        else:
            if cell == "lstm-cell" and cell_class is not None:
                self.cells = nn.ModuleList(
                    LearnerLSTMCell(cell_class(input_size if i == 0 else hidden, hidden)) for i in range(layers)
                )
            elif cell == "lstm-cell":
                self.cells = nn.ModuleList(
                    NamedLSTMCell(input_size if i == 0 else hidden, hidden, forget_bias=keep_bias)
                    for i in range(layers)
                )
            else:
                self.cells = nn.ModuleList(
                    ElmanCell(input_size if i == 0 else hidden, hidden) for i in range(layers)
                )
            self.between = nn.Dropout(between)

    def initial_state(self, batch: int, device: torch.device) -> State:
        zeros = torch.zeros(self.layers, batch, self.hidden, device=device)
        return (zeros, zeros.clone()) if self.is_lstm else zeros

    def forward(
        self, x: torch.Tensor, state: State | None = None, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, State]:
        if hasattr(self, "rnn"):
            return self._forward_builtin(x, state, lengths)
        return self._forward_loop(x, state, lengths)

    def _forward_builtin(self, x, state, lengths):
        if lengths is None:
            return self.rnn(x, state)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed, state)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return out, state

    def _forward_loop(self, x, state, lengths):
        batch, steps, _ = x.shape
        if state is None:
            state = self.initial_state(batch, x.device)
        if self.is_lstm:
            hs, cs = list(state[0].unbind(0)), list(state[1].unbind(0))
        else:
            hs, cs = list(state.unbind(0)), None
        alive = None
        layer_input = x
        for layer, cell in enumerate(self.cells):
            outputs = []
            for t in range(steps):
                if lengths is not None:
                    alive = (t < lengths).to(x.device).unsqueeze(1)
                if self.is_lstm:
                    h, c = cell(layer_input[:, t], (hs[layer], cs[layer]))
                    if alive is not None:
                        h = torch.where(alive, h, hs[layer])
                        c = torch.where(alive, c, cs[layer])
                    hs[layer], cs[layer] = h, c
                else:
                    h = cell(layer_input[:, t], hs[layer])
                    if alive is not None:
                        h = torch.where(alive, h, hs[layer])
                    hs[layer] = h
                outputs.append(h)
            layer_input = torch.stack(outputs, dim=1)
            if layer < self.layers - 1:
                layer_input = self.between(layer_input)
        final: State = (torch.stack(hs), torch.stack(cs)) if self.is_lstm else torch.stack(hs)
        return layer_input, final


def _init_keep_bias(rnn: nn.LSTM | nn.GRU, hidden: int, keep_bias: float) -> None:
    """Start the gate that keeps memory open: LSTM's forget gate, GRU's update gate.

    Both sit in the second quarter / third of the bias (LSTM: i, f, g, o; GRU: r, z, n). With a
    bias b the gate starts near sigmoid(b) per step, so memory fades like sigmoid(b)**steps:
    0.73**50 is 1e-7 for b=1, 0.95**50 is 0.08 for b=3. Measured on the recall task with a gap
    of 50: b=3 (LSTM) and b=2 (GRU) learn within seconds; PyTorch's default start never does.

    The LSTM's input gate starts at -b, as closed as the forget gate is open (the "chrono"
    start of Tallec and Ollivier, 2018, with one constant). A GRU's single update gate already
    trades keeping against writing; an LSTM with its forget gate open and its input gate half
    open fills its cell with everything it reads, tanh(c) saturates and the gradient dies.
    Measured on recall at gap 100, 60 s, three cells racing on 2 cores: with f=+5 alone the
    LSTM reached 90% in 2 of 5 seeds (the others sat at chance for a minute); with i=-5 as
    well, 100% at the first evaluation (5 s) in the seeds that had stalled.
    """
    with torch.no_grad():
        for name, bias in rnn.named_parameters():
            if name.startswith("bias_ih"):
                bias[hidden : 2 * hidden].fill_(keep_bias)
                if isinstance(rnn, nn.LSTM):
                    bias[:hidden].fill_(-keep_bias)
            elif name.startswith("bias_hh"):
                bias[hidden : 2 * hidden].fill_(0.0)
                if isinstance(rnn, nn.LSTM):
                    bias[:hidden].fill_(0.0)


class TokenInput(nn.Module):
    """Turns symbol indices into vectors: a learnt embedding, or one-hot when `embed` is 0."""

    def __init__(self, vocab: int, embed: int):
        super().__init__()
        self.vocab = vocab
        self.size = embed if embed > 0 else vocab
        self.embedding = nn.Embedding(vocab, embed) if embed > 0 else None

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if self.embedding is None:
            return F.one_hot(tokens, self.vocab).float()
        return self.embedding(tokens)


class CharLM(nn.Module):
    """Reads characters and scores the next one at every position."""

    def __init__(self, vocab: int, cell: str, hidden: int, layers: int = 1, embed: int = 64,
                 dropout: float = 0.0, keep_bias: float = 1.0, cell_class: type | None = None):
        super().__init__()
        self.input = TokenInput(vocab, embed)
        self.rnn = Recurrent(cell, self.input.size, hidden, layers, dropout, keep_bias, cell_class=cell_class)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        out, state = self.rnn(self.input(tokens), state)
        return self.head(self.drop(out)), state


class SequenceClassifier(nn.Module):
    """Reads a whole (padded) sequence and scores each class from the state after its last item."""

    def __init__(self, vocab: int, classes: int, cell: str, hidden: int, layers: int = 1,
                 embed: int = 0, dropout: float = 0.0, keep_bias: float = 1.0):
        super().__init__()
        self.input = TokenInput(vocab, embed)
        self.rnn = Recurrent(cell, self.input.size, hidden, layers, dropout, keep_bias)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        out, _ = self.rnn(self.input(tokens), None, lengths)
        if lengths is None:
            last = out[:, -1]
        else:
            index = (lengths.to(out.device) - 1).view(-1, 1, 1).expand(-1, 1, out.shape[2])
            last = out.gather(1, index).squeeze(1)
        return self.head(self.drop(last))


class LearnerLSTMCell(nn.Module):
    """Adapts a learner's `forward(x, h, c) -> (h, c)` to the loop's `cell(x, (h, c))`."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]):
        h, c = self.inner(x, *state)
        return h, c


def load_learner_class(path: str | Path, entry: str) -> type:
    """The learner's class from their own file (a code step's copy, already checked)."""
    spec = importlib.util.spec_from_file_location("learner_cell", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, entry)


class CellClassifier(nn.Module):
    """The chapter's way to classify with the learner's own cell: one letter at a time, one-hot,
    the cell's `forward(letter, hidden) -> (log-probabilities, hidden)` and `init_hidden()`.

    The cell is built as `cell_class(vocab, hidden, classes)` and already ends in LogSoftmax, so its
    outputs are log-probabilities; the task's cross-entropy on them equals NLLLoss (log_softmax
    leaves log-probabilities unchanged), the identity the Dracula lesson teaches.
    """

    def __init__(self, cell_class: type, vocab: int, classes: int, hidden: int):
        super().__init__()
        self.vocab = vocab
        self.cell = cell_class(vocab, hidden, classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        batch, steps = tokens.shape
        letters = F.one_hot(tokens, self.vocab).float()
        hidden = self.cell.init_hidden().to(tokens.device)
        if hidden.shape[0] != batch:
            hidden = hidden.expand(batch, *hidden.shape[1:]).contiguous()
        outs = []
        for t in range(steps):
            out, hidden = self.cell(letters[:, t], hidden)
            outs.append(out)
        outs = torch.stack(outs, dim=1)
        if lengths is None:
            return outs[:, -1]
        index = (lengths.to(outs.device) - 1).view(-1, 1, 1).expand(-1, 1, outs.shape[2])
        return outs.gather(1, index).squeeze(1)


class SequenceRegressor(nn.Module):
    """Reads real-valued channels and predicts the next point of each, at every position."""

    def __init__(self, channels: int, cell: str, hidden: int, layers: int = 1, dropout: float = 0.0,
                 keep_bias: float = 1.0):
        super().__init__()
        self.rnn = Recurrent(cell, channels, hidden, layers, dropout, keep_bias)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, channels)

    def forward(self, points: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        out, state = self.rnn(points, state)
        return self.head(self.drop(out)), state
