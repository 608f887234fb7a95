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
             "plus": "+", "minus": "-", "enter": "enter", "ctrl+c": "ctrl+c", "up": "↑", "down": "↓",
             "pagedown": "pgdn", "pageup": "pgup"}
    return " / ".join(names.get(k.strip(), k.strip()) for k in binding.key.split(","))


def key_table() -> Table:
    """One section per place the keys work; built from BINDINGS so it cannot drift from them."""
    from ..app import TutorApp
    from ..widgets.knob import Knob
    from ..widgets.code_step import CodeStepView
    from ..widgets.quiz import Quiz
    from ..widgets.train_panel import TrainPanel
    from .home import HomeScreen
    from .lesson import LessonScreen

    table = Table(box=None, show_header=False, padding=(0, 2), expand=True)
    table.add_column(style="bold", width=22)
    table.add_column()
    sections = [("Everywhere", TutorApp), ("Home", HomeScreen), ("In a lesson", LessonScreen),
                ("Quiz", Quiz), ("Code step", CodeStepView), ("Training", TrainPanel),
                ("A knob (setting)", Knob)]
    for title, owner in sections:
        table.add_row(f"[u]{title}[/u]", "")
        keys: dict[str, list[str]] = {}  # one row per action: ctrl+c and ctrl+q both quit
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                shown = keys.setdefault(binding.description, [])
                if _key(binding) not in shown:
                    shown.append(_key(binding))
        for description, shown in keys.items():
            table.add_row(" / ".join(shown), description)
        table.add_row("", "")
    table.add_row("[u]Mouse[/u]", "click cards, steps, buttons and knob arrows; scroll long text")
    return table


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Static("[b]Keys[/b]   (esc closes)", classes="title")
            yield Static(key_table())
