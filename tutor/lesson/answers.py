"""Provides quiz answer checking: numbers with tolerance, tensor shapes, short text."""

from __future__ import annotations

import re

_SHAPE = re.compile(r"^\s*(?:torch\.Size\s*\(\s*)?[\(\[]\s*((?:\d+\s*,\s*)*\d*)\s*,?\s*[\)\]]\s*\)?\s*$")


def parse_shape(text: str) -> tuple[int, ...] | None:
    """`(1, 3, 20)`, `[1,3,20]`, `torch.Size([1, 3, 20])` or `1 x 3 x 20` -> (1, 3, 20); else None."""
    text = text.strip()
    if re.fullmatch(r"\d+(\s*[x×*]\s*\d+)*", text):
        return tuple(int(n) for n in re.split(r"\s*[x×*]\s*", text))
    match = _SHAPE.match(text)
    if not match:
        return None
    inner = match.group(1).strip().rstrip(",")
    if not inner:
        return ()
    return tuple(int(n) for n in re.split(r"\s*,\s*", inner))


def normalise_text(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .!")


def check_answer(answer, given: str) -> bool:
    """True when `given` (what the learner typed) matches a typed answer of the format."""
    if answer.type == "number":
        try:
            value = float(given.strip())
        except ValueError:
            return False
        return abs(value - answer.value) <= answer.tolerance
    if answer.type == "shape":
        return parse_shape(given) is not None and parse_shape(given) == parse_shape(answer.value)
    return normalise_text(given) in {normalise_text(a) for a in answer.accept}
