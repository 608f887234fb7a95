"""Provides the home screen: lesson cards, "continue where you stopped", and lesson problems."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Header, Static

from ..text import plain
from ..widgets.key_bar import KeyBar
from ..lesson import estimate
from ..widgets.lesson_card import LessonCard


class HomeScreen(Screen):
    BINDINGS = [
        Binding("c", "continue", "Continue"),
        Binding("p", "problems", "Problems"),
        Binding("down,j", "app.focus_next", "Next card", show=False),
        Binding("up,k", "app.focus_previous", "Previous card", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="home"):
            yield Static("Pick a story. Every lesson trains real recurrent networks on this machine "
                         "while you watch.", id="welcome")
            yield Button("", id="continue", variant="primary")
            library = self.app.library
            if library.problems:
                yield Button(f"⚠ {len(library.problems)} problem(s) in lesson files: see why (p)",
                             id="problems", variant="warning")
            if not library.lessons and not library.broken:
                yield Static("No lessons were found. Add a folder with --lessons DIR, or write one with "
                             "[b]rnn-tutor new my-lesson[/b].", classes="note")
            for lesson_id, lesson in library.lessons.items():
                done = len(self.app.progress.done(lesson_id) & {s.id for s in lesson.steps})
                problems = sum(1 for p in library.problems if p.path == library.files[lesson_id])
                after = [library.lessons[r].title for r in lesson.requires if r in library.lessons]
                yield LessonCard(lesson_id, lesson.title, lesson.story, lesson.summary,
                                 round(estimate.minutes(lesson)), done, len(lesson.steps), problems,
                                 lesson.teaches, after=after, id=f"card-{lesson_id}")
            for path in library.broken:
                count = sum(1 for p in library.problems if p.path == path)
                yield LessonCard("", str(path), "this lesson file could not be loaded",
                                 "Press enter to see what is wrong and where.", None, 0, 0, count)
        yield KeyBar()

    def on_resize(self) -> None:
        self.app.check_size()

    def on_mount(self) -> None:
        self.refresh_continue()
        self.query_one("#continue", Button).focus()

    def on_screen_resume(self) -> None:
        """Back from a lesson: progress and the continue button have changed."""
        for card in self.query(LessonCard):
            if card.lesson_id:
                lesson = self.app.library.lessons[card.lesson_id]
                card.done = len(self.app.progress.done(card.lesson_id) & {s.id for s in lesson.steps})
                card.set_class(card.done == card.total, "-finished")
                card.refresh()
        self.refresh_continue()

    def continue_target(self) -> tuple[str, str] | None:
        """The lesson and step to continue with: where the learner stopped, else the first lesson."""
        library = self.app.library
        position = self.app.progress.last_position()
        if position and position[0] in library.lessons:
            lesson = library.lessons[position[0]]
            step_ids = [s.id for s in lesson.steps]
            return position[0], position[1] if position[1] in step_ids else step_ids[0]
        if library.lessons:
            first = next(iter(library.lessons.values()))
            return first.id, first.steps[0].id
        return None

    def refresh_continue(self) -> None:
        button = self.query_one("#continue", Button)
        target = self.continue_target()
        if target is None:
            button.display = False
            return
        lesson = self.app.library.lessons[target[0]]
        index = [s.id for s in lesson.steps].index(target[1])
        step = lesson.steps[index]
        verb = "Continue" if self.app.progress.last_position() else "Start"
        button.label = f"▶ {verb}  {plain(lesson.title)} · step {index + 1} of {len(lesson.steps)}  (c)"
        button.tooltip = f"{plain(lesson.title)}: {plain(step.title)}"

    def action_continue(self) -> None:
        target = self.continue_target()
        if target:
            self.app.open_lesson(*target)

    def action_problems(self) -> None:
        from .problems import ProblemsScreen

        self.app.push_screen(ProblemsScreen())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            self.action_continue()
        elif event.button.id == "problems":
            self.action_problems()

    def on_lesson_card_opened(self, event: LessonCard.Opened) -> None:
        if event.card.lesson_id:
            self.app.open_lesson(event.card.lesson_id)
        else:
            self.action_problems()
