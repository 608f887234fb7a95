"""Provides character corpora: reading text safely, a vocabulary, and contiguous batching."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import torch

from . import DataError

MIN_CORPUS_CHARS = 500
"""Below this a validation split and a few training windows cannot both be cut from the text."""


MAX_CORPUS_BYTES = 20 << 20
"""A corpus is read whole and indexed per character (about 40 bytes each in memory during setup):
20 MB is more text than a lesson's minutes can learn from, and stays under a gigabyte."""


def read_text(path: str | Path, min_chars: int = MIN_CORPUS_CHARS) -> str:
    """Read a UTF-8 text file, or raise DataError saying plainly why it cannot be a corpus."""
    from . import read_regular_file

    p = Path(path)
    raw = read_regular_file(p, MAX_CORPUS_BYTES, "a corpus")
    if not raw.strip():
        raise DataError(f"{p}: the file is empty")
    if b"\x00" in raw:
        raise DataError(f"{p}: looks like a binary file (it contains NUL bytes); expected UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataError(
            f"{p}: not UTF-8 text (byte {err.start} is 0x{raw[err.start]:02x}); save it as UTF-8"
        ) from None
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if len(text) < min_chars:
        raise DataError(
            f"{p}: too short to learn from ({len(text)} characters; need at least {min_chars})"
        )
    return text


@dataclass(frozen=True)
class Vocab:
    """The characters a model knows, in a fixed order (index = position in `chars`)."""

    chars: str
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "index", {c: i for i, c in enumerate(self.chars)})

    @classmethod
    def from_text(cls, text: str) -> "Vocab":
        return cls("".join(sorted(set(text))))

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> torch.Tensor:
        """Indices of the known characters of `text`; unknown ones are skipped."""
        index = self.index
        return torch.tensor([index[c] for c in text if c in index], dtype=torch.long)

    def decode(self, ids) -> str:
        return "".join(self.chars[i] for i in ids)


_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def words_of(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


class CharCorpus:
    """A text split into a training part and a held-out tail, both as index tensors."""

    def __init__(self, text: str, val_fraction: float = 0.1, vocab: Vocab | None = None):
        self.vocab = vocab or Vocab.from_text(text)
        missing = set(text) - set(self.vocab.chars)
        if missing:
            shown = "".join(sorted(missing))[:20]
            raise DataError(f"the text has characters the model does not know: {shown!r}")
        data = self.vocab.encode(text)
        n_val = max(int(len(data) * val_fraction), 2)
        # The held-out part is the end of the text, not random windows: random windows would
        # overlap the training text and flatter the validation loss.
        self.train = data[:-n_val]
        self.val = data[-n_val:]
        self.words = frozenset(words_of(text))

    def word_rate(self, text: str) -> float:
        """Share of the words in `text` that occur in the corpus (0 when there are no words)."""
        words = words_of(text)
        if not words:
            return 0.0
        return sum(w in self.words for w in words) / len(words)


def streams(data: torch.Tensor, batch: int) -> torch.Tensor:
    """Cut a 1-d sequence into `batch` contiguous streams, shape (batch, length)."""
    length = len(data) // batch
    if length < 2:
        raise DataError(f"the text is too short for batch {batch}: try a smaller batch")
    return data[: length * batch].view(batch, length)


def contiguous_windows(
    data: torch.Tensor, batch: int, seq: int, generator: torch.Generator
) -> Iterator[tuple[torch.Tensor, torch.Tensor, bool]]:
    """Endless (input, target, starts_epoch) windows, each stream continuing where it stopped.

    Consecutive windows of one stream are consecutive text, so the hidden state can be carried
    from one window to the next: the model reads the whole text, though gradients flow back
    only `seq` characters. Each pass starts at a random offset so windows do not always cut
    the text at the same places.
    """
    while True:
        offset = int(torch.randint(0, seq, (1,), generator=generator))
        s = streams(data[offset:], batch)
        first = True
        for start in range(0, s.shape[1] - 1, seq):
            end = min(start + seq, s.shape[1] - 1)
            yield s[:, start:end], s[:, start + 1 : end + 1], first
            first = False
