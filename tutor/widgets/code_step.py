"""Provides the code step: the learner's copy of the starter in an editor, checks on a key, results.

The learner's copy lives in the data dir (code/<lesson>/<step>.py), so shipped files are never
modified and the work survives a restart. Checks run in a child process (tutor/codecheck.py):
whatever the code does, the app gets verdicts back. The solution is shown once the step is solved,
or on request after a few failed runs.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Collapsible, Markdown, Static, TextArea

from ..codecheck import Verdict, run_checks
from ..files import data_dir, write_atomic
from ..lesson.paths import lesson_path
from .prose import inline_markup

SOLUTION_AFTER = 3
"""Failed runs before "Show the solution" is offered."""


def learner_copy(lesson_id: str, step_id: str, root: Path | None = None) -> Path:
    return (root or data_dir()) / "code" / lesson_id / f"{step_id}.py"


def editor_command() -> list[str] | None:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    return shlex.split(editor) if editor else None


def results_markup(verdicts: list[Verdict]) -> str:
    lines = []
    for v in verdicts:
        if v.status == "passed":
            lines.append(f"[green]✓ {v.kind}[/]  [dim]{escape(v.message)}[/]")
        elif v.status == "failed":
            lines.append(f"[b red]✗ {v.kind}[/]\n{inline_markup(v.message)}")
        else:
            lines.append(f"[dim]· {v.kind}: not run[/]")
    return "\n".join(lines)


class CodeStepView(VerticalScroll):
    BINDINGS = [
        Binding("ctrl+r", "run_checks", "Run checks", priority=True),
        Binding("ctrl+o", "external_editor", "Open in $EDITOR", priority=True),
        Binding("h", "hint", "Hint"),
    ]
    """h is a letter in the editor: esc leaves it first, as in a quiz's answer box."""

    class Solved(Message):
        def __init__(self, step_id: str, runs: int):
            super().__init__()
            self.step_id, self.runs = step_id, runs

    class TrainMine(Message):
        """Open `step_id` (the code step's then_train) with the learner's `file` as the network."""

        def __init__(self, step_id: str, file: Path, entry: str):
            super().__init__()
            self.step_id, self.file, self.entry = step_id, file, entry

    def __init__(self, lesson_id: str, step, lesson_file: Path, copy: Path | None = None, solved: bool = False):
        super().__init__(classes="step code-step")
        self.lesson_id = lesson_id
        self.step = step
        self.lesson_dir = lesson_file.parent
        self.copy = copy or learner_copy(lesson_id, step.id)
        self.runs = 0
        self.solved = solved
        self.running = False
        self._save_timer = None
        self.hints_shown = 0
        self._unsaved = False
        self._text: str | None = None
        """The editor's text as last changed (kept so that leaving the step can still save it)."""

    # Files ------------------------------------------------------------------------------------------
    def starter_text(self) -> str:
        return lesson_path(self.lesson_dir, self.step.starter).read_text(encoding="utf-8")

    def load_copy(self) -> str:
        if not self.copy.exists():
            write_atomic(self.copy, self.starter_text())
        return self.copy.read_text(encoding="utf-8")

    def save(self) -> bool:
        """Write the learner's copy; on a full or read-only disk say so (once) and keep the editor's text."""
        text = self._text if self._text is not None else self.query_one(TextArea).text
        try:
            if not self.copy.exists() or self.copy.read_text(encoding="utf-8") != text:
                write_atomic(self.copy, text)
        except OSError as err:
            if not self._unsaved and self.is_attached:
                self.app.notify(f"Your code cannot be saved to {self.copy} ({err.strerror or err}); it stays in "
                                f"the editor, and is saved when the disk lets it.", severity="warning",
                                timeout=12, markup=False)
            self._unsaved = True
            return False
        self._unsaved = False
        return True

    # Layout -----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        step = self.step
        yield Static(f"[b]{escape(step.title)}[/b]", classes="step-title")
        with Collapsible(title="What to write", collapsed=False, id="about"):
            yield Markdown(step.text)
        try:
            text = self.load_copy()
        except OSError as err:
            text = f"# could not open your copy {self.copy}: {err}\n"
        editor = TextArea.code_editor(text, language=self._language(), id="editor")
        yield editor
        hint_key = " · [b]esc[/b] then [b]h[/b]: a hint" if step.hints else ""
        yield Static(f"[dim]your copy: {escape(str(self.copy))} · [b]ctrl+r[/b] runs the checks · "
                     f"[b]ctrl+o[/b] opens it in $EDITOR · [b]esc[/b] leaves the editor{hint_key}[/dim]",
                     classes="note")
        with Horizontal(classes="code-buttons"):
            yield Button("Run checks", id="run", variant="primary")
            if step.hints:
                yield Button(self._hint_label(), id="hint")
            yield Button("Reset to the starter", id="reset-code")
            yield Button("Show the solution", id="solution", classes="-hidden" if not self.solved else "")
            if self.step.then_train:
                yield Button("⚡ Train your cell", id="train-mine", variant="success",
                             classes="-hidden" if not self.solved else "")
        yield Static("", id="hints", classes="-hidden")
        yield Static("", id="results")
        yield Markdown("", id="solution-code", classes="-hidden")

    def _hint_label(self) -> str:
        total = len(self.step.hints)
        return "No more hints" if self.hints_shown >= total else f"💡 Hint {self.hints_shown + 1} of {total}"

    def action_hint(self) -> None:
        """The step's hints, one more each time (the author ordered them from a nudge to the answer)."""
        hints = self.step.hints
        if not hints:
            self.app.notify("This step has no hints; the checks' messages say what to fix.", timeout=4)
            return
        if self.hints_shown >= len(hints):
            return
        self.hints_shown += 1
        shown = self.query_one("#hints", Static)
        shown.update("\n".join(f"💡 {inline_markup(h)}" for h in hints[: self.hints_shown]))
        shown.remove_class("-hidden")
        button = self.query_one("#hint", Button)
        button.label = self._hint_label()
        button.disabled = self.hints_shown >= len(hints)
        self.call_after_refresh(self.scroll_to_widget, shown, animate=False)

    @staticmethod
    def _language() -> str | None:
        try:  # highlighting needs the tree-sitter grammar; without it the editor still edits
            import tree_sitter_python  # noqa: F401
        except ImportError:
            return None
        return "python"

    def focus_first(self) -> None:
        if getattr(self.app, "presenter", False):
            self.query_one("#run").focus()  # projected: the arrows move through steps, not the code
            return
        self.query_one(TextArea).focus()

    def on_key(self, event) -> None:
        if event.key == "escape" and isinstance(self.screen.focused, TextArea):
            event.stop()  # leave the editor, not the lesson
            self.query_one("#run", Button).focus()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # Written (atomically, with fsync) half a second after typing stops, not on every key; a run,
        # the external editor and leaving the step save at once.
        self._text = event.text_area.text
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(0.5, self.save)

    def on_unmount(self) -> None:
        try:
            self.save()
        except Exception:  # noqa: BLE001 - the widget is going; the last half second is all that is at stake
            pass

    # Actions ----------------------------------------------------------------------------------------
    def needs_trust(self) -> bool:
        """Code runs from a lesson outside the built-in set only once the learner has agreed, once per
        folder: the checks run that folder's reference solution beside the learner's file."""
        from ..trust import is_trusted

        return not is_trusted(self.lesson_dir, getattr(self.app.settings, "trusted_code_dirs", []),
                              own_code=self.copy.parent.parent)  # code/<lesson>/<step>.py

    def action_run_checks(self) -> None:
        if self.running:
            return
        if not getattr(self.app, "allow_code", True):
            self.query_one("#results", Static).update(
                "[b]Running code is off on this server[/b]: your Python would run on the teacher's "
                "machine. Write it here, or run rnn-tutor on your own computer to check it (the "
                "teacher can allow it with [b]rnn-tutor serve --allow-code[/b]).")
            return
        if self.needs_trust():
            from ..screens.confirm import ConfirmScreen

            folder = str(self.lesson_dir.resolve())

            def answer(yes: bool | None) -> None:
                if yes:
                    self.app.settings.trusted_code_dirs.append(folder)
                    self.app.settings.save()
                    self.action_run_checks()

            self.app.push_screen(ConfirmScreen(
                f"This lesson comes from outside rnn-tutor:\n\n  {folder}\n\nRunning the checks runs Python "
                f"code from that folder (its reference solution) beside yours, in a separate process. "
                f"Run code from this folder? (You are asked once.)", yes="Run its code"), answer)
            return
        if not self.save():
            self.query_one("#results", Static).update(
                "[b]Your code could not be saved[/b] (the disk refused), so the checks would run an older copy. "
                "Free some space and run them again.")
            return
        self.running = True
        self.query_one("#results", Static).update("[b]running the checks…[/b]")
        self._run()

    @work(exclusive=True, group="checks")
    async def _run(self) -> None:
        try:
            verdicts = await run_checks(self.step, self.lesson_dir, self.copy)
        finally:
            self.running = False
        self.runs += 1
        results = self.query_one("#results", Static)
        passed = all(v.passed for v in verdicts)
        head = ("[b green]All checks pass.[/] " + ("Your code does what the step asks." if passed else "")
                if passed else f"[b]Run {self.runs}:[/b] {sum(v.passed for v in verdicts)} of {len(verdicts)} "
                               f"checks pass.")
        results.update(head + "\n" + results_markup(verdicts))
        self.call_after_refresh(self.scroll_to_widget, results, animate=False, top=True)
        if passed and not self.solved:
            self.solved = True
            self.post_message(self.Solved(self.step.id, self.runs))
        if passed or self.runs >= SOLUTION_AFTER:
            self.query_one("#solution").remove_class("-hidden")
        if passed and self.step.then_train:
            button = self.query_one("#train-mine", Button)
            button.remove_class("-hidden")
            button.focus()

    def action_external_editor(self) -> None:
        command = editor_command()
        if command is None:
            self.app.notify("Set $EDITOR (or $VISUAL) to edit in your own editor; the editor here works too.",
                            severity="warning")
            return
        if not self.save():
            return  # the notice said why; the editor would open an older copy
        try:
            with self.app.suspend():
                subprocess.run([*command, str(self.copy)], check=False)
        except Exception as err:  # noqa: BLE001 - a missing editor, a terminal that cannot suspend
            self.app.notify(f"Could not run {command[0]}: {err}", severity="error")
            return
        self.query_one(TextArea).load_text(self.copy.read_text(encoding="utf-8"))
        self.app.notify("Loaded your file back.")

    def reset_to_starter(self) -> None:
        from ..screens.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                text = self.starter_text()
                write_atomic(self.copy, text)
                self.query_one(TextArea).load_text(text)
                self.query_one("#results", Static).update("Back to the starter.")

        self.app.push_screen(ConfirmScreen("Throw away your code and start again from the starter?",
                                           yes="Reset my code"), answer)

    def show_solution(self) -> None:
        if not self.solved:
            from ..screens.confirm import ConfirmScreen

            def answer(yes: bool | None) -> None:
                if yes:
                    self._reveal()

            self.app.push_screen(ConfirmScreen("See the solution? Trying once more is usually worth it.",
                                               yes="Show it"), answer)
        else:
            self._reveal()

    def _reveal(self) -> None:
        code = lesson_path(self.lesson_dir, self.step.solution).read_text(encoding="utf-8")
        shown = self.query_one("#solution-code", Markdown)
        shown.update(f"**One solution**\n\n```python\n{code}\n```")
        shown.remove_class("-hidden")
        self.call_after_refresh(self.scroll_to_widget, shown, animate=False, top=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "run":
            self.action_run_checks()
        elif event.button.id == "hint":
            self.action_hint()
        elif event.button.id == "reset-code":
            self.reset_to_starter()
        elif event.button.id == "solution":
            self.show_solution()
        elif event.button.id == "train-mine":
            self.save()
            self.post_message(self.TrainMine(self.step.then_train, self.copy, self.step.entry))
