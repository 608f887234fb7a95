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


_TENSOR = re.compile(r"^tensor\(\s*\[*\s*([^\],()]+?)\s*\]*\s*(?:,[^()]*(?:\([^()]*\))?[^()]*)?\)$")


def parse_number(text: str) -> float | None:
    """`12`, `12.`, `-1e-3`, `1,000`, `−0.5` or what PyTorch prints (`tensor(12.)`,
    `tensor([12.])`, `tensor(12., grad_fn=<AddBackward0>)`) -> a float; anything else None."""
    text = text.strip().replace("\u2212", "-")
    match = _TENSOR.match(text)
    if match:
        text = match.group(1)
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?", text):
        text = text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value else None  # "nan" is not an answer


def answer_form_problem(answer, given: str) -> str | None:
    """What is wrong with the *form* of a typed answer (it cannot be a number, a shape), or None.

    A learner who types words where a number goes has not answered yet: the quiz says how to
    answer and does not count it as a try."""
    if answer.type == "number" and parse_number(given) is None:
        return "Enter a plain number, such as 0.5 or 12 (what PyTorch prints, tensor(12.), works too)."
    if answer.type == "shape" and parse_shape(given) is None:
        return "Enter a shape, such as (2, 5), [2, 5] or torch.Size([2, 5])."
    return None


def normalise_text(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .!")


def check_answer(answer, given: str) -> bool:
    """True when `given` (what the learner typed) matches a typed answer of the format."""
    if answer.type == "number":
        value = parse_number(given)
        return value is not None and abs(value - answer.value) <= answer.tolerance
    if answer.type == "shape":
        return parse_shape(given) is not None and parse_shape(given) == parse_shape(answer.value)
    return normalise_text(given) in {normalise_text(a) for a in answer.accept}
