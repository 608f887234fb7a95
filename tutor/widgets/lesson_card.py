"""Provides a lesson card for the home screen: title, story, summary, minutes, progress, problems."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from ..text import control_free


def progress_bar(done: int, total: int, width: int = 20) -> Text:
    filled = round(width * done / total) if total else 0
    bar = Text("━" * filled, style="green")
    bar.append("━" * (width - filled), style="dim")
    return bar


class LessonCard(Widget, can_focus=True):
    """One lesson (or a lesson file that failed to load); enter or a click opens it."""

    BINDINGS = [Binding("enter", "open", "Open", show=False)]

    class Opened(Message):
        def __init__(self, card: "LessonCard"):
            super().__init__()
            self.card = card

    def __init__(self, lesson_id: str, title: str, story: str, summary: str, minutes: int | None,
                 done: int, total: int, problems: int = 0, teaches: list[str] | None = None,
                 after: list[str] | None = None, **kwargs):
        """`after`: the titles of the lessons to take first (the lesson's `requires`); any lesson opens."""
        super().__init__(**kwargs)
        self.lesson_id, self.title, self.story, self.summary = lesson_id, title, story, summary
        self.minutes, self.done, self.total, self.problems = minutes, done, total, problems
        self.teaches = teaches or []
        self.after = after or []
        self.set_class(problems > 0, "-problems")
        self.set_class(total > 0 and done == total, "-finished")

    def render(self) -> RenderableType:
        head = Text(control_free(self.title), style="bold")
        if self.problems:
            head.append(f"  ⚠ {self.problems} problem{'s' * (self.problems > 1)}", style="bold red")
        elif self.total and self.done == self.total:
            head.append("  ✓ finished", style="bold green")
        story = Text(control_free(self.story), style="italic")
        if self.after:
            story.append(f"  ·  after {' and '.join(control_free(a) for a in self.after)}", style="dim")
        lines: list[RenderableType] = [head, story]
        lines.append(Text(control_free(self.summary)))
        if self.total:
            status = progress_bar(self.done, self.total)
            status.append(f"  {self.done}/{self.total} steps")
            if self.minutes:
                status.append(f"  ·  about {self.minutes} min", style="dim")
            lines.append(status)
        return Group(*lines)

    def action_open(self) -> None:
        self.post_message(self.Opened(self))

    def on_click(self) -> None:
        self.post_message(self.Opened(self))
