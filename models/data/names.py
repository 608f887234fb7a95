"""Provides names by origin: the tutorial's `<Class>.txt` directories and the built-in surnames."""

from __future__ import annotations

import string
import unicodedata
from pathlib import Path

import torch

from . import DataError

ALPHABET = string.ascii_letters + " .,;'-"
"""The letters a name may keep after ASCII folding (the tutorial's set plus the hyphen)."""
PAD = 0
"""Index 0 pads short names in a batch; letters start at 1."""
VOCAB = len(ALPHABET) + 1
_INDEX = {c: i + 1 for i, c in enumerate(ALPHABET)}


def builtin_names_dir() -> Path:
    """Surnames by origin shipped with the engine (generated once from Faker by tools/make_names.py)."""
    return Path(__file__).parent / "names"


def ascii_fold(name: str) -> str:
    """Drop accents the way the tutorial does (NFD, no combining marks), then unknown symbols."""
    decomposed = unicodedata.normalize("NFD", name.strip())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn" and c in _INDEX)


MAX_CLASSES = 200
"""A classifier's output layer and confusion matrix grow with the classes squared; 200 origins is
far past any lesson, and far below the allocation that 100,000 would ask for."""
MAX_NAMES_FILE_BYTES = 5 << 20


def load_names_dir(path: str | Path) -> dict[str, list[str]]:
    """Read `<Class>.txt` files (UTF-8, one name per line) into {class: names}, sorted by class."""
    from . import read_regular_file

    root = Path(path)
    if not root.exists():
        raise DataError(f"{root}: no such directory")
    if not root.is_dir():
        raise DataError(f"{root}: not a directory; expected a folder of <Class>.txt files")
    files = sorted(root.glob("*.txt"))
    if len(files) > MAX_CLASSES:
        raise DataError(f"{root}: {len(files):,} class files; a names folder may have at most {MAX_CLASSES}")
    by_class: dict[str, list[str]] = {}
    for file in files:
        try:
            lines = read_regular_file(file, MAX_NAMES_FILE_BYTES, "a names file").decode("utf-8").splitlines()
        except UnicodeDecodeError:
            raise DataError(f"{file}: not UTF-8 text; save it as UTF-8") from None
        names = [n for n in (ascii_fold(line) for line in lines) if n]
        if names:
            by_class[file.stem] = names
    if len(by_class) < 2:
        found = ", ".join(by_class) or "none"
        raise DataError(
            f"{root}: needs at least two <Class>.txt files with names in them (usable: {found})"
        )
    return by_class


def encode(names: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded letter indices (batch, longest) and each name's length."""
    lengths = torch.tensor([max(len(n), 1) for n in names], dtype=torch.long)
    tokens = torch.full((len(names), int(lengths.max())), PAD, dtype=torch.long)
    for row, name in enumerate(names):
        ids = [_INDEX[c] for c in name if c in _INDEX]
        if ids:
            tokens[row, : len(ids)] = torch.tensor(ids)
    return tokens, lengths


class NamesData:
    """Names with labels, split into training and held-out names per class.

    The split is by distinct name, so a held-out name was never seen in training under any
    label. Each class gives `val_fraction` of its names, so small classes are held out too.
    """

    def __init__(self, by_class: dict[str, list[str]], val_fraction: float = 0.2, seed: int = 0):
        self.classes = sorted(by_class)
        labels_of: dict[str, set[int]] = {}
        for label, cls in enumerate(self.classes):
            for name in by_class[cls]:
                labels_of.setdefault(name, set()).add(label)
        first_class: dict[int, list[str]] = {}
        for name in sorted(labels_of):
            first_class.setdefault(min(labels_of[name]), []).append(name)
        g = torch.Generator().manual_seed(seed)
        train_names, val_names = [], []
        for label in sorted(first_class):
            names = first_class[label]
            order = torch.randperm(len(names), generator=g).tolist()
            n_val = max(1, round(len(names) * val_fraction)) if len(names) > 1 else 0
            val_names += [names[i] for i in order[:n_val]]
            train_names += [names[i] for i in order[n_val:]]
        self.train = [(n, lab) for n in train_names for lab in sorted(labels_of[n])]
        self.val = [(n, lab) for n in val_names for lab in sorted(labels_of[n])]
        if not self.train or not self.val:
            raise DataError("too few names to hold some out for checking: add more names")
        self.train_tokens, self.train_lengths = encode([n for n, _ in self.train])
        self.train_labels = torch.tensor([lab for _, lab in self.train])
        self.val_tokens, self.val_lengths = encode([n for n, _ in self.val])
        self.val_labels = torch.tensor([lab for _, lab in self.val])

    def class_counts(self) -> torch.Tensor:
        return torch.bincount(self.train_labels, minlength=len(self.classes))
