"""Provides the screen shown while the terminal is smaller than the layouts need."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static


class TooSmallScreen(Screen):
    """A clear request to enlarge the window, instead of a layout cut to pieces."""

    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; }
    TooSmallScreen Static { width: auto; height: auto; text-align: center; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self.update_message()

    def on_resize(self) -> None:
        self.update_message()
        self.app.check_size()

    def update_message(self) -> None:
        from ..app import MIN_HEIGHT, MIN_WIDTH

        width, height = self.app.size
        self.query_one(Static).update(
            f"[b]Make the window larger[/b]\n\n"
            f"rnn-tutor needs at least {MIN_WIDTH}x{MIN_HEIGHT} characters;\n"
            f"this terminal is {width}x{height}.\n\n"
            f"Enlarge it or make the font smaller.  q quits."
        )
