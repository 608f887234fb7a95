"""Provides the story and explain view: Markdown with highlighted code, and an optional text diagram."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static


class ProseStep(VerticalScroll, can_focus=True):
    """Scrolls with the arrow keys up/down and page keys once focused."""

    def __init__(self, step, note: str | None = None, code: str | None = None):
        super().__init__(classes=f"step prose -{step.kind}")
        self.step = step
        self.note = note
        self.code = code

    def compose(self) -> ComposeResult:
        yield Static(f"[b]{self.step.title}[/b]", classes="step-title")
        yield Markdown(self.step.text)
        diagram = getattr(self.step, "diagram", None)
        if diagram:
            yield Static(diagram, classes="diagram", markup=False)
        if self.note:
            yield Static(self.note, classes="note")
        if self.code:
            yield Markdown(f"```python\n{self.code}\n```")

    def focus_first(self) -> None:
        self.focus()
