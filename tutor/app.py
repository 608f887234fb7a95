"""Provides TutorApp: the lesson picker, the step player and live training, in the terminal.

The UI process never imports torch: training happens in child processes (tutor/runner.py), so the
home screen paints fast and nothing a run does can freeze or crash the app.
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.binding import Binding

from .lesson.search import Library, load_library
from .progress import Progress
from .runner import TrainingRun
from .settings import DEFAULT_THEME, Settings

MIN_WIDTH, MIN_HEIGHT = 80, 24


class TutorApp(App):
    """rnn-tutor: story lessons, checked quizzes, and RNNs that train while you watch."""

    CSS_PATH = "app.tcss"
    TITLE = "rnn-tutor"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "interrupt", "Quit", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("o", "settings", "Options"),
        Binding("ctrl+s", "save_screenshot", "Screenshot", show=False),
        Binding("P", "toggle_presenter", "Present"),  # not f5: a browser reloads the page on it
    ]
    """Keys that work on every screen (q is typed as a letter while a text box has the focus)."""

    def __init__(
        self,
        lesson_dirs: list[str] | None = None,
        device: str | None = None,
        open_target: str | None = None,
        progress_path: Path | None = None,
        settings_path: Path | None = None,
        warm: bool = True,
        library: Library | None = None,
        code_dir: Path | None = None,
        presenter: bool = False,
        auto_seconds: float | None = None,
        allow_code: bool = True,
        served: bool = False,
    ):
        super().__init__()
        self.allow_code = allow_code
        """Code steps may run learners' Python (off in a served tab unless the teacher allows it)."""
        self.served = served
        """A browser tab of `rnn-tutor serve`: files go to the browser, not a folder here."""
        self.presenter = presenter
        """Presenter mode: for a class (big plot, answers hidden until a key, a step counter)."""
        self.auto_advance = auto_seconds is not None
        """Presenter mode moves on by itself from story steps (A toggles it)."""
        self.auto_seconds = auto_seconds or None
        """Seconds per story step; None: the time it takes to read the step aloud."""
        self.code_dir = code_dir or (progress_path.parent / "code" if progress_path else None)
        """Learners' copies of code-step starters; None: the data dir's code/ folder."""
        self.lesson_dirs = lesson_dirs or []
        self.library: Library = library or load_library(self.lesson_dirs)
        self.progress = Progress.load(progress_path)
        self.progress.on_save_problem = self._progress_save_problem
        self._adopt_split_lessons()
        self._settings_unsaved = False
        self.settings = Settings.load(settings_path)
        self.device_override = device
        self.open_target = open_target
        self.warm = warm
        """Start each train step's child while the learner reads it (tests turn this off)."""
        self.devices: list[dict[str, str]] | None = None
        """Devices a child process found ({name, description}); None until one has reported."""
        self.runs: set[TrainingRun] = set()
        if self.settings.theme not in self.available_themes:
            self.settings.notice = (f"The theme {self.settings.theme!r} does not exist here; "
                                    f"using {DEFAULT_THEME}. Choose another with o.")
            self.settings.theme = DEFAULT_THEME
        self.theme = self.settings.effective_theme(self.no_color)

    def _progress_save_problem(self, reason: str | None) -> None:
        if reason is None:
            self.notify("Your progress is saved again.", timeout=5)
        else:
            self.notify(f"Your progress cannot be saved ({reason}): the lesson goes on, and it is saved as soon "
                        f"as the disk lets it.", severity="warning", timeout=12, markup=False)

    def _adopt_split_lessons(self) -> None:
        """A lesson split in two (`formerly`): progress and code copies of the steps that moved follow them."""
        for lesson_id, lesson in self.library.lessons.items():
            steps = {step.id for step in lesson.steps}
            for old in lesson.formerly:
                if old == lesson_id:
                    continue
                self.progress.adopt(lesson_id, old, steps)
                for step in lesson.steps:
                    if step.kind != "code":
                        continue
                    was, now = self.code_path(old, step.id), self.code_path(lesson_id, step.id)
                    if was.is_file() and not now.exists():
                        try:
                            now.parent.mkdir(parents=True, exist_ok=True)
                            os.replace(was, now)
                        except OSError:
                            pass  # the old copy stays where it was; the step starts from the starter

    def code_path(self, lesson_id: str, step_id: str) -> Path:
        from .widgets.code_step import learner_copy

        return learner_copy(lesson_id, step_id, self.code_dir.parent if self.code_dir else None)

    @property
    def device(self) -> str:
        return self.device_override or self.settings.device

    def on_mount(self) -> None:
        from .screens.home import HomeScreen

        self.set_class(self.presenter, "-presenter")
        self.push_screen(HomeScreen())
        for notice in (self.progress.notice, self.settings.notice):
            if notice:
                self.notify(notice, severity="warning", timeout=12)
        if self.open_target:
            self.open_from_target(self.open_target)
        self.call_after_refresh(self.check_size)

    def open_from_target(self, target: str) -> None:
        lesson_id, _, step_id = target.partition("/")
        if lesson_id not in self.library.lessons:
            known = ", ".join(sorted(self.library.lessons)) or "none"
            self.notify(f"No lesson {lesson_id!r}; lessons: {known}", severity="error", timeout=10)
            return
        steps = [s.id for s in self.library.lessons[lesson_id].steps]
        if step_id and step_id not in steps:
            self.notify(f"{lesson_id} has no step {step_id!r}; its steps: {', '.join(steps)}",
                        severity="error", timeout=10)
            step_id = ""
        self.open_lesson(lesson_id, step_id or None)

    def open_lesson(self, lesson_id: str, step_id: str | None = None) -> None:
        from .screens.lesson import LessonScreen

        lesson = self.library.lessons[lesson_id]
        if step_id is None:
            position = self.progress.data["lessons"].get(lesson_id, {}).get("last_step")
            step_id = position if position in [s.id for s in lesson.steps] else lesson.steps[0].id
        self.push_screen(LessonScreen(lesson, self.library.files[lesson_id], step_id))

    # Size: below 80x24 the layouts cannot fit, so one clear message replaces them. Screens
    # receive the resize events (the app's own are debounced and forwarded to them), so each
    # screen calls check_size from its on_resize.
    def check_size(self) -> None:
        from .screens.too_small import TooSmallScreen

        small = self.size.width < MIN_WIDTH or self.size.height < MIN_HEIGHT
        showing = isinstance(self.screen, TooSmallScreen)
        if small and not showing:
            self.push_screen(TooSmallScreen())
        elif not small and showing:
            self.pop_screen()

    def action_toggle_presenter(self) -> None:
        self.presenter = not self.presenter
        self.set_class(self.presenter, "-presenter")
        self.screen.refresh_bindings()
        self.notify("Presenter mode: P leaves it." if self.presenter else "Presenter mode off.", timeout=3)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_settings(self) -> None:
        from .screens.settings import SettingsScreen

        if not isinstance(self.screen, SettingsScreen):
            self.push_screen(SettingsScreen())

    def apply_settings(self) -> None:
        self.theme = self.settings.effective_theme(self.no_color)
        self.set_class(self.settings.reduced_motion, "-reduced-motion")
        saved = self.settings.save()
        if not saved and not self._settings_unsaved:
            self.notify("Your options apply now but cannot be saved (the disk refused).", severity="warning",
                        timeout=8)
        self._settings_unsaved = not saved

    # Runs: every child is tracked so quitting can stop them all cleanly.
    def track(self, run: TrainingRun) -> None:
        self.runs.add(run)

    def untrack(self, run: TrainingRun) -> None:
        self.runs.discard(run)

    async def close_runs(self) -> None:
        runs, self.runs = list(self.runs), set()
        for run in runs:
            run.detach()  # the screens are going; nothing is left to draw the last events on
        await asyncio.gather(*(run.close() for run in runs), return_exceptions=True)

    async def on_unmount(self) -> None:
        await self.close_runs()

    async def action_interrupt(self) -> None:
        """ctrl+c quits everywhere but in the code editor, where it is the copy key every editor has."""
        from textual.widgets import TextArea

        editor = self.focused
        if isinstance(editor, TextArea):
            if editor.selected_text:
                editor.action_copy()
            else:
                self.notify("In the editor ctrl+c copies; ctrl+q quits (your file is saved).", timeout=4)
            return
        await self.action_quit()

    async def action_quit(self) -> None:
        await self.close_runs()
        self.exit()

    # Files for the learner or the class: the screen as SVG (ctrl+s), a run's CSV (e). In a
    # terminal they land in the current folder; served to a browser, they download there.
    def action_save_screenshot(self) -> None:
        name = f"rnn-tutor-{time.strftime('%Y%m%d-%H%M%S')}.svg"
        svg = self.export_screenshot(title=self.screen.sub_title or self.title)
        self.deliver_text(io.StringIO(svg), save_directory=Path.cwd(), save_filename=name,
                          mime_type="image/svg+xml", name="the screenshot")

    def on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        where = f"Saved in {event.path}" if event.path else "Sent to your browser's downloads"
        self.notify(f"{where}.", title=(event.name or "the file").capitalize(), timeout=8, markup=False)

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        self.notify(f"Could not save {event.name or 'the file'}: {event.exception}", severity="error",
                    timeout=12, markup=False)

    def record_devices(self, devices: list[dict[str, Any]]) -> None:
        self.devices = devices
