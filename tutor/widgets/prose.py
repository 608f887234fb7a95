"""Provides the story and explain view: Markdown with highlighted code, and an optional text diagram."""

from __future__ import annotations

import re

from rich.markup import escape

from ..text import control_free, plain
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static


_INLINE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*")


def inline_markup(text: str) -> str:
    """One line of lesson prose (a hint) as Rich markup: `code` and **bold** styled, the rest escaped.

    Hints are short, so they sit in a Static rather than a Markdown widget; without this an author's
    backticks would show up literally."""
    out, last = [], 0
    for match in _INLINE.finditer(text):
        out.append(escape(text[last:match.start()]))
        code, bold = match.groups()
        out.append(f"[b $accent]{escape(code)}[/]" if code is not None else f"[b]{escape(bold)}[/b]")
        last = match.end()
    out.append(escape(text[last:]))
    return control_free("".join(out))


class ProseStep(VerticalScroll, can_focus=True):
    """Scrolls with the arrow keys up/down and page keys once focused."""

    def __init__(self, step, note: str | None = None, code: str | None = None):
        super().__init__(classes=f"step prose -{step.kind}")
        self.step = step
        self.note = note
        self.code = code

    def compose(self) -> ComposeResult:
        yield Static(f"[b]{plain(self.step.title)}[/b]", classes="step-title")
        yield Markdown(self.step.text)
        diagram = getattr(self.step, "diagram", None)
        if diagram:
            yield Static(control_free(diagram), classes="diagram", markup=False)
        if self.note:
            yield Static(self.note, classes="note")
        if self.code:
            yield Markdown(f"```python\n{self.code}\n```")

    def focus_first(self) -> None:
        self.focus()
