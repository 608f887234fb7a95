"""Shared fixtures: small deterministic data so every test runs in a fraction of a second."""

from __future__ import annotations

import random

import pytest

WORDS = ("the count wrote a letter to the doctor who read it twice by candle light and then "
         "walked to the window where the wolves sang under a pale moon while the creature "
         "listened and tried to answer with a sound of its own").split()


def make_text(chars: int, seed: int = 0) -> str:
    """English-like text from a small word list: learnable, and the same for every run."""
    rng = random.Random(seed)
    out, size = [], 0
    while size < chars:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))).capitalize() + ". "
        out.append(sentence)
        size += len(sentence)
    return "".join(out)[:chars]


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(make_text(6000), encoding="utf-8")
    return path


@pytest.fixture
def names_dir(tmp_path):
    """A tutorial-format folder: one <Class>.txt per origin, UTF-8, accents included."""
    root = tmp_path / "names"
    root.mkdir()
    (root / "Italian.txt").write_text("Rossi\nBianchi\nRomano\nColombo\nRicci\nMarino\nGreco\nBruno\n"
                                      "Gallo\nConti\nCosta\nGiordano\nMancini\nRizzo\nLombardi\nMoretti\n",
                                      encoding="utf-8")
    (root / "German.txt").write_text("Müller\nSchmidt\nSchneider\nFischer\nWeber\nMeyer\nWagner\nBecker\n"
                                     "Schulz\nHoffmann\nSchäfer\nKoch\nBauer\nRichter\nKlein\nWolf\n",
                                     encoding="utf-8")
    (root / "Japanese.txt").write_text("Sato\nSuzuki\nTakahashi\nTanaka\nWatanabe\nIto\nYamamoto\nNakamura\n"
                                       "Kobayashi\nKato\nYoshida\nYamada\nSasaki\nYamaguchi\nMatsumoto\nInoue\n",
                                       encoding="utf-8")
    return root
