"""Provides a quiz: choices or a typed answer, checked on submit, hints one at a time, then the why."""

from __future__ import annotations

import re
import textwrap

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Markdown, RadioButton, RadioSet, Static

from ..lesson.answers import answer_form_problem, check_answer
from ..text import plain
from .prose import inline_markup

GIVE_UP_AFTER = 2
"""Wrong answers before "Show the answer" is offered: enough to try, not enough to get stuck."""

_LIST_START = re.compile(r"^(\s*\d+)([.)])(?=\s)")


def not_a_list(text: str) -> str:
    """An explanation that opens with its answer ("12. Each backward() adds...") is a sentence, not an
    ordered list starting at 12, which is what Markdown would make of it."""
    return _LIST_START.sub(r"\1\\\2", text, count=1)


PLACEHOLDERS = {"number": "a number, e.g. 0.5", "shape": "a shape, e.g. (2, 5)", "text": "a word or two"}


class WrappingRadioButton(RadioButton):
    """A choice whose long text wraps onto more lines (Textual's RadioButton is one line, cut with …)."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        room = max(10, width - 5)  # the ▐●▌ button and the label's padding
        return max(1, len(textwrap.wrap(self.label.plain, room)))


class WrappingCheckbox(Checkbox):
    """A tick box whose long text wraps (a SelectionList draws one line per option and cuts the rest)."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        room = max(10, width - 5)
        return max(1, len(textwrap.wrap(self.label.plain, room)))


class Checklist(Vertical):
    """The choices of a question with several right answers: space or a click ticks one, up/down move."""

    DEFAULT_CSS = """
    Checklist {
        border: tall $border-blurred;
        background: $surface;
        padding: 0 1;
        height: auto;
        &:focus-within { border: tall $border; background-tint: $foreground 5%; }
        & > Checkbox { background: transparent; border: none; padding: 0; width: 1fr; }
        & > Checkbox:focus { border: none; background-tint: 0%; }
    }
    """
    """Drawn like a RadioSet: one frame around the choices, none around each."""

    BINDINGS = [Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False)]

    def __init__(self, labels: list[str], **kwargs):
        super().__init__(*[WrappingCheckbox(label) for label in labels], **kwargs)

    @property
    def boxes(self) -> list[Checkbox]:
        return list(self.query(Checkbox))

    @property
    def selected(self) -> list[int]:
        return [i for i, box in enumerate(self.boxes) if box.value]

    def select(self, index: int) -> None:
        self.boxes[index].value = True

    def toggle(self, index: int) -> None:
        self.boxes[index].toggle()

    def focus(self, scroll_visible: bool = True):
        boxes = self.boxes
        current = next((b for b in boxes if b.has_focus), boxes[0] if boxes else None)
        if current is not None:
            current.focus(scroll_visible)
        return self

    def action_move(self, delta: int) -> None:
        boxes = self.boxes
        at = next((i for i, b in enumerate(boxes) if b.has_focus), 0)
        boxes[(at + delta) % len(boxes)].focus()


class Quiz(VerticalScroll):
    BINDINGS = [
        Binding("c", "check", "Check"),
        Binding("h", "hint", "Hint"),
        Binding("a", "reveal", "Reveal answer"),
        *[Binding(str(n), f"pick({n})", "Pick a choice", show=False, key_display="1-9")
          for n in range(1, 10)],
    ]

    class Answered(Message):
        def __init__(self, step_id: str, correct: bool, attempts: int):
            super().__init__()
            self.step_id, self.correct, self.attempts = step_id, correct, attempts

    def __init__(self, step):
        super().__init__(classes="step quiz")
        self.step = step
        self.hints_shown = 0
        self.attempts = 0
        self.solved = False
        self.picked: int | None = None
        """The chosen choice, kept here too: a number key's pick reaches the RadioSet a message later."""
        self.several = bool(step.choices) and sum(c.correct for c in step.choices) > 1
        self.last_correct = False
        self.checked_choices: list[int] = []
        """The choices the last check was given (their "why" notes are shown)."""

    def compose(self) -> ComposeResult:
        step = self.step
        yield Static(f"[b]{plain(step.title)}[/b]", classes="step-title")
        yield Markdown(step.question, id="question")
        if step.choices:
            if self.several:
                yield Static("Choose every answer that is right (space ticks one).", classes="note")
                yield Checklist([f"{i + 1}. {inline_markup(c.text)}" for i, c in enumerate(step.choices)],
                                id="answer")
            else:
                with RadioSet(id="answer"):
                    for number, choice in enumerate(step.choices, 1):
                        yield WrappingRadioButton(f"{number}. {inline_markup(choice.text)}")
        else:
            yield Static("Type the answer, [b]enter[/b] checks it; [b]esc[/b] leaves the box "
                         "(then [b]h[/b] shows a hint, [b]n[/b] moves on).", classes="note")
            yield Input(placeholder=PLACEHOLDERS[step.answer.type], id="answer")
        with Horizontal(classes="quiz-buttons"):
            yield Button("Check", id="check", variant="primary")
            yield Button(self._hint_label(), id="hint", disabled=not step.hints)
            yield Button("Show the answer", id="reveal", classes="-hidden")
        yield Static("", id="hints")
        yield Static("", id="feedback")
        yield Markdown("", id="explanation", classes="-hidden")

    def focus_first(self) -> None:
        if self._presenting():
            # In front of a class the arrows keep moving through the steps (1-9 still pick a
            # choice); a click or tab reaches the answer box when the room has one to type.
            self.query_one("#check").focus()
            return
        self.query_one("#answer").focus()

    def _hint_label(self) -> str:
        total = len(self.step.hints)
        if not total:
            return "No hints"
        if self.hints_shown >= total:
            return "No more hints"
        return f"Hint {self.hints_shown + 1} of {total}"

    def chosen(self) -> tuple[bool, str] | None:
        """(correct, what the learner gave), or None when nothing is chosen yet."""
        step = self.step
        if step.choices:
            if self.several:
                picked = set(self.query_one(Checklist).selected)
            else:
                index = self.picked if self.picked is not None else self.query_one(RadioSet).pressed_index
                picked = {index} if index >= 0 else set()
            if not picked:
                return None
            right = {i for i, c in enumerate(step.choices) if c.correct}
            self.checked_choices = sorted(picked)
            return picked == right, ", ".join(step.choices[i].text for i in sorted(picked))
        given = self.query_one(Input).value.strip()
        if not given:
            return None
        return check_answer(step.answer, given), given

    def action_check(self) -> None:
        result = self.chosen()
        feedback = self.query_one("#feedback", Static)
        if result is None:
            feedback.update("Choose or type an answer first.")
            return
        correct, given = result
        if not self.step.choices and (problem := answer_form_problem(self.step.answer, given)):
            feedback.update(f"{problem} [dim](not counted as a try)[/]")
            return
        self.attempts += 1
        self.last_correct = correct
        if self._presenting():
            # In front of a class the verdict alone: the why and the explanation wait for `a`,
            # so the room can argue about it first.
            verdict = "[b green]✓ Right.[/]" if correct else "[b red]✗ Not quite.[/]"
            feedback.update(f"{verdict} [dim]a reveals the answer and why.[/]")
            self.solved = self.solved or correct
            self.set_class(self.solved, "-solved")
            self.post_message(self.Answered(self.step.id, correct, self.attempts))
            return
        if correct:
            self.solved = True
            feedback.update(f"[b green]✓ Right.[/] {self._why(given)}")
            self.set_class(True, "-solved")
            self.show_explanation()
            self.call_after_refresh(self._focus_next_step)
        else:
            tip = " Try a hint." if self.hints_shown < len(self.step.hints) else ""
            feedback.update(f"[b red]✗ Not quite[/] (attempt {self.attempts}).{tip} {self._why(given)}")
            if self.attempts >= GIVE_UP_AFTER:
                self.query_one("#reveal").remove_class("-hidden")
        self._bring_into_view(feedback, top=correct)  # right: the verdict on top, the why below it
        self.post_message(self.Answered(self.step.id, correct, self.attempts))

    def _bring_into_view(self, widget, top: bool = False) -> None:
        """A long question pushes the verdict and the hints below the fold at 80x24: scroll to them."""
        self.call_after_refresh(self.scroll_to_widget, widget, animate=False, top=top)

    def on_key(self, event) -> None:
        if event.key == "escape" and isinstance(self.screen.focused, Input):
            event.stop()  # leave the answer box, not the lesson: letter keys work again
            self.query_one("#check").focus()

    def _focus_next_step(self) -> None:
        """Solved: the next key press should move on, even from the answer box."""
        next_button = self.screen.query("#next")
        if next_button:
            next_button.first().focus()

    def _why(self, given: str) -> str:
        if not self.step.choices:
            return ""
        # By index: a choice's own text may hold ", " (`output[:, -1, :]`), so `given` cannot be split.
        notes = [self.step.choices[i].why for i in self.checked_choices if self.step.choices[i].why]
        return " ".join(inline_markup(note) for note in notes)

    def _presenting(self) -> bool:
        return bool(getattr(self.app, "presenter", False))

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "reveal":
            return self._presenting()  # a learner alone earns the answer (Show the answer, after tries)
        return True

    def action_reveal(self) -> None:
        """Presenter mode: the answer, each checked choice's why, and the explanation."""
        if self.attempts:
            verdict = "[b green]✓ Right.[/]" if self.last_correct else "[b red]✗ Not quite.[/]"
            self.query_one("#feedback", Static).update(f"{verdict} {self._why('')}")
        self.show_explanation(with_answer=True)
        self._bring_into_view(self.query_one("#explanation"))

    def action_pick(self, number: int) -> None:
        """Choose (or, with several right answers, tick/untick) choice `number` from the keyboard."""
        if not self.step.choices or number > len(self.step.choices):
            return
        if self.several:
            self.query_one(Checklist).toggle(number - 1)
        else:
            self.picked = number - 1
            buttons = list(self.query(RadioButton))
            buttons[number - 1].value = True
            self.query_one(RadioSet).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.picked = event.index

    def action_hint(self) -> None:
        if self.hints_shown >= len(self.step.hints):
            return
        self.hints_shown += 1
        shown = "\n".join(f"💡 {inline_markup(h)}" for h in self.step.hints[: self.hints_shown])
        self.query_one("#hints", Static).update(shown)
        button = self.query_one("#hint", Button)
        button.label = self._hint_label()
        button.disabled = self.hints_shown >= len(self.step.hints)
        self._bring_into_view(self.query_one("#hints"))

    def show_explanation(self, with_answer: bool = False) -> None:
        explanation = self.query_one("#explanation", Markdown)
        text = not_a_list(self.step.explanation or "")
        if with_answer or not self.solved:
            text = f"{self.answer_markdown()}\n\n{text}"
        explanation.update(text)
        explanation.remove_class("-hidden")

    def answer_markdown(self) -> str:
        """The right answer for the explanation: several right choices one per line (each is a
        sentence of its own; joined with "; " they read "...repetitive.; At 1.5...")."""
        step = self.step
        right = [c.text for c in step.choices if c.correct] if step.choices else []
        if len(right) > 1:
            return "**The answers:**\n\n" + "\n".join(f"- {text}" for text in right)
        return f"**The answer:** {self.answer_text()}"

    def answer_text(self) -> str:
        step = self.step
        if step.choices:
            return "; ".join(c.text for c in step.choices if c.correct)
        if step.answer.type == "text":
            return step.answer.accept[0]
        if step.answer.type == "number":
            return f"{step.answer.value:g}"
        return step.answer.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "check":
            self.action_check()
        elif event.button.id == "hint":
            self.action_hint()
        elif event.button.id == "reveal":
            self.show_explanation()
            event.button.add_class("-hidden")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_check()
