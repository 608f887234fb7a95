"""Provides the problems screen: why some lessons did not load, as file:line:col: key: message."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from ..widgets.key_bar import KeyBar


class ProblemsScreen(Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def on_resize(self) -> None:
        self.app.check_size()

    def compose(self) -> ComposeResult:
        yield Header()
        problems = self.app.library.problems
        with VerticalScroll(id="problems"):
            if not problems:
                yield Static("Every lesson loaded. Nothing to fix.", classes="intro")
                return
            broken = len(self.app.library.broken)
            yield Static(
                f"[b]{len(problems)} problem(s)[/b] in {broken or 'the'} lesson file(s). The other lessons "
                "still load. Fix the file, then restart rnn-tutor, or run "
                "[b]rnn-tutor validate FILE[/b] while you edit.", classes="intro")
            for problem in problems:
                yield Static(escape(str(problem)), classes="problem")
        yield KeyBar()
