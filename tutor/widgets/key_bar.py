"""Provides the key bar: the keys that work here, one line at the bottom, each clickable.

Textual's Footer rebuilds a widget per key on every focus change; on a step change that was a third
of the time the app took to show the new step. This bar is one line of text, redrawn only when the
keys it shows change, and a click on a key presses it.
"""

from __future__ import annotations

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 100%;
        background: $footer-background;
        color: $footer-foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self) -> None:
        super().__init__("", id="keys", markup=False)
        self._shown: tuple | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self._bindings_changed, self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        keys: list[tuple[str, str, str, bool]] = []
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((binding.key.split(",")[0], self.app.get_key_display(binding), binding.description,
                         active.enabled))
        shown = tuple(keys)
        if shown == self._shown:
            return
        self._shown = shown
        parts = []
        for key, display, description, enabled in keys:
            style = "" if enabled else "dim"
            parts.append(Content.assemble(
                (f" {display} ", f"bold $footer-key-foreground {style}".strip()),
                (description, style or ""),
                " ").stylize(f"@click=app.simulate_key('{key}')" if enabled else ""))
        self.update(Content("").join(parts))
