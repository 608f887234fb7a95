"""Provides the cleaning of text from outside (lessons, corpora, names, learners' output) for a terminal.

A terminal obeys control characters: ESC starts sequences that retitle the window, clear the screen
or write the clipboard (OSC 52). Text that did not come from this program's own code shows them as
visible symbols instead, and, where it is rendered as Rich/Textual markup, is escaped as well.
"""

from __future__ import annotations

import re

from rich.markup import escape

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls but tab and newline, and the bidirectional overrides that reorder what is shown."""


def _visible(match: re.Match) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␇ for BEL: the Unicode control pictures
    if code == 0x7F:
        return "␡"
    return "�"


def control_free(text: str) -> str:
    """`text` with every control character replaced by a visible symbol."""
    return _CONTROL.sub(_visible, text)


def find_controls(text: str) -> list[tuple[int, str]]:
    """(index, U+XXXX name) of each control character in `text`."""
    return [(m.start(), f"U+{ord(m.group(0)):04X}") for m in _CONTROL.finditer(text)]


def plain(text: str) -> str:
    """Text from outside, ready to sit inside markup: control characters shown, markup escaped."""
    return escape(control_free(text))
