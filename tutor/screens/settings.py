"""Provides the settings screen: default device, theme and reduced motion, saved as they change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static, Switch


def device_options(devices: list[dict[str, str]] | None) -> list[tuple[str, str]]:
    """`auto` first, then the devices a training process found (cpu until one has reported)."""
    found = devices or [{"name": "cpu", "description": "CPU"}]
    return [("auto", "auto")] + [
        (f"{d['name']}: {d['description']}", d["name"]) for d in found]


class SettingsScreen(ModalScreen):
    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        settings = self.app.settings
        options = device_options(self.app.devices)
        if settings.device not in [value for _, value in options]:
            options.append((f"{settings.device} (not seen on this machine yet)", settings.device))
        themes = sorted(self.app.available_themes)
        with Vertical(classes="dialog", id="settings"):
            yield Static("[b]Options[/b]   (saved as you change them; esc closes)", classes="title")
            with Horizontal(classes="row"):
                yield Label("Train on")
                yield Select(options, value=settings.device, allow_blank=False, id="device")
            if self.app.devices is None:
                yield Static("GPUs are listed here once a train step has started the engine.", classes="note")
            with Horizontal(classes="row"):
                yield Label("Theme")
                yield Select([(t, t) for t in themes], value=settings.theme if settings.theme in themes
                             else themes[0], allow_blank=False, id="theme", disabled=self.app.no_color)
            if self.app.no_color:
                yield Static("NO_COLOR is set, so the terminal's own colours are used.", classes="note")
            with Horizontal(classes="row"):
                yield Label("Reduced motion")
                yield Switch(settings.reduced_motion, id="reduced-motion")
            yield Static("Fewer redraws and no celebrations; the plot updates once a second.", classes="note")
            yield Button("Close", id="close")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value is Select.BLANK:
            return
        if event.select.id == "device":
            self.app.settings.device = str(event.value)
        elif event.select.id == "theme":
            self.app.settings.theme = str(event.value)
        self.app.apply_settings()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self.app.settings.reduced_motion = event.value
        self.app.apply_settings()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss()
