"""Provides the prediction a train step asks for before Start, and its verdict once the run is over.

Idle, the box shows the question and its choices (a click, the arrows or a number key picks one).
While the run trains it shrinks to one line, "You predicted: ...". When the run has finished it says
whether the prediction held (judged by tutor/lesson/predict.py on the run's summaries) and why, and
the choices come back for the next run.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import RadioButton, RadioSet, Static

from ..lesson.predict import Verdict, judge
from .prose import inline_markup
from .quiz import WrappingRadioButton


def verdict_markup(predict, verdict: Verdict) -> str:
    """The verdict with the choices' `code` and **bold** styled, the rest of the author's text escaped."""
    said = inline_markup(predict.choices[verdict.chosen].text)
    if verdict.held is None:
        return (f"[b $warning]?[/] You predicted: {said}. The run was stopped before its end, so it could "
                "not tell. [dim]Pick again, then space.[/]")
    if verdict.held:
        line = f"[b $success]✓ Your prediction held:[/] {said}."
    else:
        right = [inline_markup(c.text) for c, ok in zip(predict.choices, verdict.outcomes) if ok]
        line = f"[b $error]✗ Your prediction did not hold:[/] {said}."
        if right:
            line += " What held: " + "; ".join(right) + "."
    if predict.why:
        line += f"\n{inline_markup(predict.why)}"
    return line


class PredictChoices(RadioSet, inherit_bindings=False):
    """The choices: the arrows move, enter or a click picks; space is left to the panel (it starts the run)."""

    BINDINGS = [
        Binding("down,right", "next_button", "Next option", show=False),
        Binding("left,up", "previous_button", "Previous option", show=False),
        Binding("enter", "toggle_button", "Toggle", show=False),
    ]


class PredictBox(Vertical):
    DEFAULT_CSS = """
    PredictBox { height: auto; max-height: 14; margin-bottom: 1; }
    PredictBox #predict-question { color: $text; }
    PredictBox RadioSet { width: 1fr; height: auto; }
    PredictBox RadioButton { width: 100%; height: auto; text-wrap: wrap; text-overflow: fold; }
    PredictBox #predict-verdict { display: none; }
    PredictBox.-verdict #predict-verdict { display: block; }
    PredictBox.-running RadioSet, PredictBox.-running #predict-question { display: none; }
    """

    class Picked(Message):
        def __init__(self, index: int):
            super().__init__()
            self.index = index

    def __init__(self, predict, **kwargs):
        super().__init__(**kwargs)
        self.predict = predict
        self.chosen: int | None = None
        self.verdict: Verdict | None = None
        self.asked_once = False
        """Start was pressed once without a prediction: the next press runs without one."""

    def compose(self) -> ComposeResult:
        yield Static("", id="predict-verdict")  # on top: after a run it is the news, the choices are for the next
        keys = f"1-{len(self.predict.choices)}, then space to start"
        yield Static(f"[b $accent]Predict first:[/] {inline_markup(self.predict.question)} [dim]({keys})[/]",
                     id="predict-question")
        with PredictChoices(id="predict-choices"):
            for number, choice in enumerate(self.predict.choices, 1):
                yield WrappingRadioButton(f"{number}. {inline_markup(choice.text)}")

    def pick(self, index: int) -> None:
        if not 0 <= index < len(self.predict.choices) or self.has_class("-running"):
            return
        self.chosen = index
        buttons = list(self.query(RadioButton))
        if not buttons[index].value:
            buttons[index].value = True

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.chosen = event.index
        self.post_message(self.Picked(event.index))

    def running(self) -> None:
        """The run started: the prediction is committed and shown on one line."""
        self.verdict = None
        self.remove_class("-verdict")
        self.add_class("-running")
        verdict = self.query_one("#predict-verdict", Static)
        if self.chosen is None:
            verdict.update("[dim]No prediction for this run.[/]")
        else:
            said = inline_markup(self.predict.choices[self.chosen].text)
            verdict.update(f"[b]You predicted:[/] {said} [dim](the verdict comes when the run ends)[/]")
        self.add_class("-verdict")

    def finished(self, summaries: dict[str, dict[str, Any]] | None) -> Verdict | None:
        """The run ended (summaries None: it failed). Says whether the prediction held; returns the verdict."""
        self.remove_class("-running")
        self.asked_once = False
        box = self.query_one("#predict-verdict", Static)
        if self.chosen is None or not summaries:
            self.remove_class("-verdict")
            box.update("")
            return None
        self.verdict = judge(self.predict, self.chosen, summaries)
        box.update(verdict_markup(self.predict, self.verdict))
        self.add_class("-verdict")
        return self.verdict

    def stopped_before_start(self) -> None:
        """The run never started (stopped while starting): the choices come back as they were."""
        self.remove_class("-running")
        self.remove_class("-verdict")

    def record(self) -> dict[str, Any] | None:
        """What progress keeps: the choice and whether it held."""
        if self.chosen is None:
            return None
        held = self.verdict.held if self.verdict is not None else None
        return {"choice": self.chosen, "text": self.predict.choices[self.chosen].text, "held": held}
