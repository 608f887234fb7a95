"""Provides the help overlay: every key of every screen, read from the bindings themselves."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def _key(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    names = {"question_mark": "?", "space": "space", "escape": "esc", "right": "→", "left": "←",
             "plus": "+", "minus": "-", "enter": "enter", "ctrl+c": "ctrl+c"}
    return " / ".join(names.get(k.strip(), k.strip()) for k in binding.key.split(","))


def key_table() -> Table:
    """One section per place the keys work; built from BINDINGS so it cannot drift from them."""
    from ..app import TutorApp
    from ..widgets.knob import Knob
    from ..widgets.quiz import Quiz
    from ..widgets.train_panel import TrainPanel
    from .home import HomeScreen
    from .lesson import LessonScreen

    table = Table(box=None, show_header=False, padding=(0, 2), expand=True)
    table.add_column(style="bold", no_wrap=True, width=14)
    table.add_column()
    sections = [("Everywhere", TutorApp), ("Home", HomeScreen), ("In a lesson", LessonScreen),
                ("Quiz", Quiz), ("Training", TrainPanel), ("A knob (setting)", Knob)]
    for title, owner in sections:
        table.add_row(f"[u]{title}[/u]", "")
        seen: set[str] = set()
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.description and binding.description not in seen:
                seen.add(binding.description)
                table.add_row(_key(binding), binding.description)
        table.add_row("", "")
    table.add_row("[u]Mouse[/u]", "click cards, steps, buttons and knob arrows; scroll long text")
    return table


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Static("[b]Keys[/b]   (esc closes)", classes="title")
            yield Static(key_table())
