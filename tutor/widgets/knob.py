"""Provides a knob: one setting of a train step on one line, turned with ←/→ or by clicking its arrows."""

from __future__ import annotations

import math
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

LOG_STEPS_PER_DECADE = 4
"""A log-scale knob moves by 10^(1/4) ≈ 1.78x per press: lr 1e-3 -> 1.8e-3 -> 3.2e-3 -> 5.6e-3 -> 1e-2."""
LINEAR_STEPS = 20


def format_value(value: Any, log: bool = False) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:.1e}" if log or (value and abs(value) < 1e-2) else f"{value:.3g}"
    return str(value)


class Knob(Widget, can_focus=True):
    """A setting's value with its range; posts Knob.Changed when turned."""

    BINDINGS = [
        Binding("right,plus,equals_sign", "turn(1)", "More", key_display="→/+"),
        Binding("left,minus", "turn(-1)", "Less", key_display="←/-"),
        Binding("down", "app.focus_next", "Next knob", show=False),
        Binding("up", "app.focus_previous", "Previous knob", show=False),
        Binding("escape", "leave", "Back to Start", show=False),
    ]

    value: reactive[Any] = reactive(None, layout=False)

    class Changed(Message):
        def __init__(self, knob: "Knob", value: Any):
            super().__init__()
            self.knob, self.value = knob, value

    def __init__(self, setting: str, value: Any, *, choices: list[Any] | None = None,
                 low: float | None = None, high: float | None = None, log: bool = False,
                 kind: type = float, live: bool = False, help: str = "", **kwargs):
        super().__init__(**kwargs)
        self.setting, self.choices, self.low, self.high = setting, choices, low, high
        self.log_scale, self.kind, self.live, self.help_text = log, kind, live, help
        self.set_reactive(Knob.value, value)
        self.tooltip = help + (" (changes the running job)" if live else " (applies at the next Start)")

    def render(self) -> Text:
        text = Text(f"{self.setting:<12}", style="bold" if self.has_focus else "")
        text.append("◂ ", style="bold" if self.has_focus else "dim")
        text.append(format_value(self.value, self.log_scale), style="reverse" if self.has_focus else "bold")
        text.append(" ▸", style="dim")
        if self.live:
            text.append(" live", style="italic dim")
        return text

    def next_value(self, direction: int) -> Any:
        value = self.value
        if self.choices is not None:
            index = self.choices.index(value) if value in self.choices else 0
            return self.choices[(index + direction) % len(self.choices)]
        if self.kind is bool:
            return not value
        low = self.low if self.low is not None else -math.inf
        high = self.high if self.high is not None else math.inf
        if self.log_scale and value > 0:
            factor = 2 if self.kind is int else 10 ** (1 / LOG_STEPS_PER_DECADE)
            new = value * factor if direction > 0 else value / factor
        else:
            span = (high - low) if math.isfinite(high - low) else max(abs(value), 1)
            step = span / LINEAR_STEPS
            new = value + direction * (max(1, round(step)) if self.kind is int else step)
        new = min(max(new, low), high)
        if self.kind is int:
            new = int(round(new))
        else:
            new = float(f"{new:.3g}")
        return new

    def action_turn(self, direction: int) -> None:
        new = self.next_value(direction)
        if new != self.value:
            self.value = new
            self.post_message(self.Changed(self, new))

    def action_leave(self) -> None:
        start = self.screen.query("#start")
        if start:
            start.first().focus()

    def on_click(self, event) -> None:
        self.focus()
        arrow_left = 12
        if event.x <= arrow_left + 1:
            self.action_turn(-1)
        else:
            self.action_turn(1)
