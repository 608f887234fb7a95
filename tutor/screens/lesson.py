"""Provides the lesson screen: a step player with a sidebar of steps, next/back, and the step itself."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, ScrollableContainer, Vertical
from textual.screen import Screen
from textual.widgets import Button, Header, Label, ListItem, ListView, Static

from ..widgets.key_bar import KeyBar
from ..jobs import for_learner_cell
from ..lesson.format import Lesson
from ..text import control_free, plain
from ..widgets.code_step import CodeStepView
from ..widgets.prose import ProseStep
from ..widgets.quiz import Quiz
from ..widgets.train_panel import TrainPanel

KIND_MARK = {"story": "📖", "explain": "💡", "quiz": "❓", "train": "⚡", "code": "⌨"}
NARROW = 110
"""Below this width the step list hides itself (b shows it) so the step gets the room."""
READ_ALOUD_WORDS_PER_MINUTE = 150
"""Auto-advance without a set time gives a story step the time it takes to read it to a class."""
MIN_AUTO_SECONDS = 10


def seconds_to_read_aloud(text: str) -> float:
    return max(MIN_AUTO_SECONDS, len(text.split()) * 60 / READ_ALOUD_WORDS_PER_MINUTE)


class StepItem(ListItem):
    def __init__(self, number: int, step, done: bool):
        super().__init__(Label(""), id=f"item-{step.id}")
        self.step = step
        self.number = number
        self.done = done

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        mark = "[green]✓[/]" if self.done else "[dim]·[/]"
        self.query_one(Label).update(f"{mark} {self.number:>2} {plain(self.step.title)}")


class LessonScreen(Screen):
    BINDINGS = [
        Binding("right,n", "next", "Next"),
        Binding("left,p", "previous", "Back"),
        Binding("escape", "home", "Lessons"),
        Binding("b", "toggle_steps", "Steps"),
        Binding("x", "reset", "Reset…", show=False),  # in ? help; the key bar keeps to the everyday keys
        Binding("A", "toggle_auto", "Auto-advance"),
        *[Binding(key, f"scroll_step('{how}')", "Scroll the step", show=False, key_display="↑↓ pgup pgdn home end")
          for key, how in (("down", "down"), ("up", "up"), ("pagedown", "page_down"), ("pageup", "page_up"),
                           ("end", "end"), ("home", "home"))],
    ]
    """The scroll keys reach the step wherever the focus is (on Next after a right answer, on a
    button): a focused widget that scrolls or moves with them takes them first."""

    def __init__(self, lesson: Lesson, file: Path, step_id: str):
        super().__init__()
        self.lesson, self.file = lesson, file
        self.step_ids = [s.id for s in lesson.steps]
        self.index = self.step_ids.index(step_id)
        self.auto_left: float | None = None
        """Presenter auto-advance: seconds until this story step moves on (None: it waits)."""
        self.learner_cells: dict[str, dict[str, str]] = {}
        """Train steps to open with a learner's cell (a solved code step's then_train), by step id."""
        self.sub_title = control_free(lesson.title)
        self._swap = asyncio.Lock()
        """One step change at a time: a click and a key (or a timer) can arrive together."""

    @property
    def step(self):
        return self.lesson.steps[self.index]

    def compose(self) -> ComposeResult:
        yield Header()
        done = self.app.progress.done(self.lesson.id)
        with Horizontal():
            with ListView(id="steps", initial_index=self.index):
                for number, step in enumerate(self.lesson.steps, 1):
                    yield StepItem(number, step, step.id in done)
            with Vertical(id="stage"):
                yield Static("", id="presenter-bar")
                yield Container(id="step-body")
                with Horizontal(id="nav"):
                    yield Button("← Back", id="back", compact=True)
                    yield Static("", id="position")
                    yield Button("Next →", id="next", variant="primary", compact=True)
        yield KeyBar()

    async def on_mount(self) -> None:
        self.set_class(self.app.size.width < NARROW, "-hide-steps")
        self.set_interval(1, self._tick)
        await self.show_step()

    def _make_step_widget(self, step):
        if step.kind in ("story", "explain"):
            return ProseStep(step)
        if step.kind == "quiz":
            return Quiz(step)
        if step.kind == "train":
            learner_cell = self.learner_cells.pop(step.id, None)
            if learner_cell:
                step = for_learner_cell(self.lesson, step)
            return TrainPanel(self.lesson.id, step, self.file, learner_cell=learner_cell)
        return CodeStepView(self.lesson.id, step, self.file, copy=self.app.code_path(self.lesson.id, step.id),
                            solved=step.id in self.app.progress.done(self.lesson.id))

    async def show_step(self) -> None:
        """Replace the step on the stage with the current one and focus its main control.

        The old step is told it is leaving before it goes (a run's late events must not reach a panel
        whose plot is already removed), and the new one is focused only once it has composed its
        children: a Next click or an Enter on a focused button arrives before a refresh would."""
        async with self._swap:
            step = self.step
            self.app.progress.visit(self.lesson.id, step.id)
            body = self.query_one("#step-body")
            self._leave_step()
            await body.remove_children()
            widget = self._make_step_widget(step)
            await body.mount(widget)
            position = self.query_one("#position", Static)
            position.update(f"{KIND_MARK.get(step.kind, '')} step {self.index + 1} of {len(self.step_ids)} · {step.kind}")
            self.query_one("#back", Button).disabled = self.index == 0
            last = self.index == len(self.step_ids) - 1
            self.query_one("#next", Button).label = "Finish ✓" if last else "Next →"
            steps = self.query_one("#steps", ListView)
            if steps.index != self.index:
                steps.index = self.index
            self._restart_countdown()
            if widget.is_attached:
                widget.focus_first()

    def action_scroll_step(self, how: str) -> None:
        for widget in self.query_one("#step-body").children:
            target = getattr(widget, "scroll_target", lambda: widget)()  # a train panel: its instructions
            if isinstance(target, ScrollableContainer):
                getattr(target, f"scroll_{how}")(animate=False)

    def _leave_step(self) -> None:
        for old in self.query_one("#step-body").children:
            leave = getattr(old, "leave", None)
            if leave is not None:
                leave()

    # Presenter mode: a step counter on top, and auto-advance through the story steps.
    def _restart_countdown(self) -> None:
        step = self.step
        if step.kind != "story" or self.index == len(self.step_ids) - 1:
            self.auto_left = None  # quizzes and runs wait for the teacher; the last page too
        else:
            self.auto_left = self.app.auto_seconds or seconds_to_read_aloud(step.text)
        self._show_bar()

    def _show_bar(self) -> None:
        step = self.step
        counter = f"[b]{self.index + 1}[/b] / {len(self.step_ids)}"
        line = f" {counter} · [b]{plain(step.title)}[/b]"  # the header names the lesson
        if self.app.auto_advance:
            if self.auto_left is not None:
                left = int(round(self.auto_left))
                line += f"   [$accent]⏵ next in {left // 60}:{left % 60:02d}[/]  [dim](A stops)[/]"
            else:
                line += "   [dim]⏸ waits here: n moves on[/]"
        self.query_one("#presenter-bar", Static).update(line)

    async def _tick(self) -> None:
        if not (self.app.presenter and self.app.auto_advance) or self.app.screen is not self:
            return  # a help or confirm screen on top holds the clock too
        if self.auto_left is not None:
            self.auto_left -= 1
            if self.auto_left <= 0:
                await self.action_next()
                return
        self._show_bar()

    def action_toggle_auto(self) -> None:
        self.app.auto_advance = not self.app.auto_advance
        self._restart_countdown()
        self.app.notify("Auto-advance on: story steps move on by themselves." if self.app.auto_advance
                        else "Auto-advance off.", timeout=3)

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "toggle_auto":
            return self.app.presenter  # only a presenter's tool; hidden from the footer otherwise
        return True

    async def go(self, index: int, force: bool = False) -> None:
        """Show step `index` (`force`: build it afresh even when it is the one showing)."""
        if 0 <= index < len(self.step_ids) and (force or index != self.index):
            self.index = index
            await self.show_step()

    def mark_done(self, step_id: str, summary: dict | None = None) -> None:
        self.app.progress.complete(self.lesson.id, step_id, summary)
        item = self.query_one(f"#item-{step_id}", StepItem)
        item.done = True
        item.show()

    async def action_next(self) -> None:
        if self.step.kind in ("story", "explain") and self.step.id not in self.app.progress.done(self.lesson.id):
            self.mark_done(self.step.id)  # reading a page to the end is all it asks
        if self.index == len(self.step_ids) - 1:
            total = len(self.step_ids)
            done = len(self.app.progress.done(self.lesson.id) & set(self.step_ids))
            self.app.notify(f"{control_free(self.lesson.title)}: {done} of {total} steps done.", title="End of the lesson",
                            markup=False)
            self.action_home()
            return
        await self.go(self.index + 1)

    async def action_previous(self) -> None:
        await self.go(self.index - 1)

    def action_home(self) -> None:
        self._leave_step()
        self.app.pop_screen()

    def action_toggle_steps(self) -> None:
        """Show the step list and put the focus in it (up/down, enter); b again hides it."""
        self.toggle_class("-hide-steps")
        steps = self.query_one("#steps", ListView)
        if not self.has_class("-hide-steps") and not self.app.presenter:
            steps.focus()
        elif steps.has_focus:
            for widget in self.query_one("#step-body").children:
                widget.focus_first()

    def action_reset(self) -> None:
        from .confirm import ChoiceScreen

        async def chosen(choice: str | None) -> None:
            if choice == "step":
                self.app.progress.reset_step(self.lesson.id, self.step.id)
            elif choice == "lesson":
                self.app.progress.reset_lesson(self.lesson.id)
            else:
                return
            for item in self.query(StepItem):
                item.done = item.step.id in self.app.progress.done(self.lesson.id)
                item.show()
            await self.show_step()
            self.app.notify("Progress reset.")

        self.app.push_screen(ChoiceScreen(
            f"Reset your progress?\n\nThis step: {control_free(self.step.title)}\n"
            f"The whole lesson: {control_free(self.lesson.title)}",
            [("cancel", "Cancel", "default"), ("step", "Reset this step", "warning"),
             ("lesson", "Reset the lesson", "error")]), chosen)

    async def on_list_view_selected(self, event: ListView.Selected) -> None:
        if isinstance(event.item, StepItem):
            if event.item.number - 1 == self.index:  # the step already showing: go into it
                for widget in self.query_one("#step-body").children:
                    widget.focus_first()
                return
            await self.go(event.item.number - 1)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "next":
            await self.action_next()
        elif event.button.id == "back":
            await self.action_previous()

    def on_quiz_answered(self, event: Quiz.Answered) -> None:
        self.app.progress.attempt(self.lesson.id, event.step_id)
        if event.correct:
            self.mark_done(event.step_id)

    async def on_code_step_view_train_mine(self, event: CodeStepView.TrainMine) -> None:
        """The solved cell's follow-up: open its train step with the learner's file as the network."""
        target = event.step_id
        if target not in self.step_ids:
            self.app.notify(f"then_train names {target!r}, which is not a step of this lesson.", severity="error")
            return
        self.learner_cells[target] = {"file": str(event.file), "entry": event.entry}
        goes_to = self.step_ids.index(target)
        done = self.app.progress.done(self.lesson.id)
        skipped = [n for n in range(self.index + 1, goes_to) if self.lesson.steps[n].id not in done]
        if skipped:
            names = ", ".join(f"{n + 1}. {control_free(self.lesson.steps[n].title)}" for n in skipped)
            self.app.notify(f"Your {event.entry} trains at step {goes_to + 1}. Skipped on the way, and waiting "
                            f"for you (b, or the step list): {names}.", title="Jumping ahead", timeout=12,
                            markup=False)
        await self.go(goes_to, force=True)  # a fresh panel even when already there

    def on_code_step_view_solved(self, event: CodeStepView.Solved) -> None:
        self.mark_done(event.step_id, {"runs": event.runs})
        self.app.notify("Every check passes.", title="🎉 Solved")

    def on_train_panel_goal_reached(self, event: TrainPanel.GoalReached) -> None:
        self.mark_done(event.step_id, event.summary)

    def on_resize(self) -> None:
        self.set_class(self.app.size.width < NARROW, "-hide-steps")
        self.app.check_size()
