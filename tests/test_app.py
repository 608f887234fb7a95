"""The app driven through Pilot: lessons, quizzes, real training runs in child processes, progress."""

from __future__ import annotations

import json
import os
import signal

import pytest
from textual.widgets import Input, RadioButton, RadioSet, Static
from textual.widgets.text_area import Selection

from tutor.app import TutorApp
from tutor.screens.home import HomeScreen
from tutor.screens.lesson import LessonScreen, StepItem
from tutor.screens.problems import ProblemsScreen
from tutor.screens.too_small import TooSmallScreen
from tutor.widgets.knob import Knob
from tutor.widgets.lesson_card import LessonCard
from tutor.widgets.quiz import Checklist, Quiz
from tutor.widgets.train_panel import TrainPanel

from tutor_app_fixture import make_app, run, wait_for

SIZE = (120, 40)


def text_of(widget) -> str:
    """What a Static shows, as plain text (markup, styled text and tables alike)."""
    from rich.console import Console
    from rich.text import Text

    content = widget.content
    console = Console(width=200, record=True, file=open(os.devnull, "w"))
    console.print(Text.from_markup(content) if isinstance(content, str) else content)
    return console.export_text()


def test_home_shows_a_card_per_lesson_and_continue_opens_the_first_step(tmp_path):
    async def scenario():
        app = make_app(tmp_path, broken=True)
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, HomeScreen)
            cards = list(app.screen.query(LessonCard))
            assert [c.lesson_id for c in cards] == ["tour", ""]  # the broken file gets a card too
            assert cards[0].total == 9 and cards[0].done == 0
            assert cards[1].problems == 2 and cards[1].has_class("-problems")
            assert "Start  The lighthouse keeper's log" in str(app.screen.query_one("#continue").label)
            await pilot.press("enter")  # the continue button has the focus
            assert isinstance(app.screen, LessonScreen)
            assert app.screen.step.id == "arrival"

    run(scenario())


def test_problems_screen_lists_file_line_col_messages(tmp_path):
    async def scenario():
        app = make_app(tmp_path, broken=True)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("p")
            assert isinstance(app.screen, ProblemsScreen)
            shown = [text_of(s) for s in app.screen.query(".problem")]
            assert any("broken/lesson.yaml:6:1: estimated_minutes:" in s for s in shown)
            assert any("lesson.yaml:12:16: steps[0].settings.lr: must be greater than 0" in s for s in shown)
            await pilot.press("escape")
            assert isinstance(app.screen, HomeScreen)

    run(scenario())


def test_next_and_back_walk_the_steps_and_reading_marks_a_story_done(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert screen.step.id == "arrival"
            await pilot.press("right")
            assert screen.step.id == "memory"
            assert "arrival" in app.progress.done("tour")
            assert screen.query_one("#item-arrival", StepItem).done
            await pilot.press("p")
            assert screen.step.id == "arrival"
            await pilot.press("n", "n")
            assert screen.step.id == "which-cell"
            assert screen.query_one(Quiz)

    run(scenario())


def test_a_choice_quiz_checks_wrong_then_right_with_hints_and_records_attempts(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/which-cell")
        async with app.run_test(size=SIZE) as pilot:
            quiz = app.screen.query_one(Quiz)
            radios = quiz.query_one(RadioSet)
            await pilot.press("h")
            assert "Think about gates." in text_of(quiz.query_one("#hints"))
            assert "forget gate" not in text_of(quiz.query_one("#hints"))  # one hint at a time
            await pilot.press("h")
            assert "forget gate" in text_of(quiz.query_one("#hints"))
            radios.focus()
            await pilot.press("enter")  # picks "A plain RNN", the wrong one
            await pilot.press("c")
            assert "Not quite" in text_of(quiz.query_one("#feedback"))
            assert "Its gradient fades" in text_of(quiz.query_one("#feedback"))
            assert quiz.query_one("#explanation").has_class("-hidden")
            assert "which-cell" not in app.progress.done("tour")
            await pilot.press("down", "enter", "c")
            assert "Right" in text_of(quiz.query_one("#feedback"))
            assert not quiz.query_one("#explanation").has_class("-hidden")
            assert "which-cell" in app.progress.done("tour")
            record = app.progress.data["lessons"]["tour"]["steps"]["which-cell"]
            assert record["attempts"] == 2

    run(scenario())


def test_a_typed_shape_answer_accepts_any_spelling_of_the_shape(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/shape")
        async with app.run_test(size=SIZE) as pilot:
            quiz = app.screen.query_one(Quiz)
            assert app.focused is quiz.query_one(Input)
            await pilot.press(*"(3, 20)", "enter")
            assert "Not quite" in text_of(quiz.query_one("#feedback"))
            quiz.query_one(Input).value = ""
            await pilot.press(*"torch.Size([1, 3, 20])", "enter")
            assert "Right" in text_of(quiz.query_one("#feedback"))
            assert "shape" in app.progress.done("tour")

    run(scenario())


def test_a_long_typed_question_scrolls_to_its_verdict_and_esc_leaves_the_answer_box(tmp_path):
    """At 80x24 the Oz shape question fills the screen: the verdict and the hint must come into view,
    and esc must leave the answer box (not the lesson) so that h and n work again."""
    from tutor.lesson.search import builtin_dir, load_library

    def in_view(quiz, widget) -> bool:
        top, bottom = quiz.scroll_y, quiz.scroll_y + quiz.scrollable_content_region.height
        region = widget.virtual_region
        return region.height > 0 and top <= region.y and region.y + region.height <= bottom

    async def scenario():
        app = TutorApp(library=load_library(roots=[builtin_dir()]), progress_path=tmp_path / "progress.json",
                       settings_path=tmp_path / "settings.json", warm=False, open_target="oz/gru-hidden-shape")
        async with app.run_test(size=(80, 24)) as pilot:
            quiz = app.screen.query_one(Quiz)
            assert app.focused is quiz.query_one(Input)
            await pilot.press(*"(3, 1, 20)", "enter")
            await pilot.pause()
            feedback = quiz.query_one("#feedback")
            assert "Not quite" in text_of(feedback)
            assert in_view(quiz, feedback), "the verdict is on screen"
            await pilot.press("escape")
            assert isinstance(app.screen, LessonScreen), "esc left the box, not the lesson"
            await pilot.press("h")
            await pilot.pause()
            hints = quiz.query_one("#hints")
            assert "batch_first" in text_of(hints), "the first hint is shown"
            assert "`" not in text_of(hints), "the author's `code` is styled, not shown as backticks"
            assert in_view(quiz, hints)
            assert quiz.query_one(Input).value == "(3, 1, 20)", "the h went to the hint, not into the box"

    run(scenario())


def test_a_long_choice_wraps_instead_of_being_cut(tmp_path):
    from tutor.lesson.search import builtin_dir, load_library

    async def scenario():
        app = TutorApp(library=load_library(roots=[builtin_dir()]), progress_path=tmp_path / "progress.json",
                       settings_path=tmp_path / "settings.json", warm=False,
                       open_target="dracula/backward-through-the-loop")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            buttons = list(app.screen.query_one(Quiz).query(RadioButton))
            longest = max(buttons, key=lambda b: len(b.label.plain))
            assert len(longest.label.plain) > 76, "the quiz still has a choice wider than the screen"
            assert longest.size.height >= 2, "the long choice takes two lines"
            assert min(b.size.height for b in buttons) == 1, "a short one keeps one"

    run(scenario())


def test_every_picked_choice_explains_itself_even_when_its_text_holds_a_comma(tmp_path):
    from tutor.lesson.search import builtin_dir, load_library

    async def scenario():
        app = TutorApp(library=load_library(roots=[builtin_dir()]), progress_path=tmp_path / "progress.json",
                       settings_path=tmp_path / "settings.json", warm=False,
                       open_target="frankenstein-longest-question/which-slice")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("1", "2", "c")  # `output[-1]` (right) and `output[:, -1, :]` (the trap)
            feedback = text_of(app.screen.query_one(Quiz).query_one("#feedback"))
            assert "Not quite" in feedback
            assert "the last step, for the whole batch" in feedback  # choice 1's note
            assert "question 3 at all 9 steps" in feedback.replace("\n", " ")  # choice 2's, whose text has ", "
            assert "`" not in feedback

    run(scenario())


def test_several_correct_choices_need_all_of_them_and_give_up_shows_the_answer(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/gates")
        async with app.run_test(size=SIZE) as pilot:
            quiz = app.screen.query_one(Quiz)
            choices = quiz.query_one(Checklist)
            choices.select(0)
            await pilot.press("c")
            assert "Not quite" in text_of(quiz.query_one("#feedback"))
            await pilot.press("c")
            reveal = quiz.query_one("#reveal")
            assert not reveal.has_class("-hidden")  # after two wrong answers
            await pilot.click("#reveal")
            assert "The answers:**\n\n- forget\n- input" in quiz.query_one("#explanation").source
            choices.select(1)
            await pilot.press("c")
            assert "Right" in text_of(quiz.query_one("#feedback"))

    run(scenario())


def test_quitting_and_restarting_resumes_at_the_same_step(tmp_path):
    async def first():
        app = make_app(tmp_path, open_target="tour/shape")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+c")
        assert app.return_code in (0, None)

    async def second():
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            assert "Continue" in str(app.screen.query_one("#continue").label)
            await pilot.press("c")
            assert isinstance(app.screen, LessonScreen) and app.screen.step.id == "shape"

    run(first())
    run(second())


def test_reset_asks_first_then_forgets_the_lesson(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/arrival")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n")
            assert "arrival" in app.progress.done("tour")
            await pilot.press("x")
            await pilot.click("#cancel")
            assert "arrival" in app.progress.done("tour")
            await pilot.press("x")
            await pilot.click("#lesson")
            assert app.progress.done("tour") == set()
            assert not app.screen.query_one("#item-arrival", StepItem).done

    run(scenario())


def test_a_terminal_below_80x24_gets_a_clear_message_and_recovers(tmp_path):
    async def scenario():
        app = make_app(tmp_path)
        async with app.run_test(size=(70, 20)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, TooSmallScreen)
            assert "Make the window larger" in text_of(app.screen.query_one(Static))
            await pilot.resize_terminal(100, 30)
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)

    run(scenario())


def test_settings_persist_and_no_color_picks_the_ansi_theme(tmp_path, monkeypatch):
    async def change():
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("o")
            await pilot.click("#reduced-motion")
            assert app.has_class("-reduced-motion")

    run(change())
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert saved["reduced_motion"] is True

    monkeypatch.setenv("NO_COLOR", "1")

    async def no_color():
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE):
            assert app.theme == "ansi-dark"

    run(no_color())


def test_help_lists_the_keys_of_every_screen(tmp_path):
    async def scenario():
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            from tutor.screens.help import key_table

            text = "".join(str(c) for col in key_table().columns for c in col._cells)
            for expected in ("Start/Pause", "Log scale", "Hint", "Continue", "Quit", "Next"):
                assert expected in text
            await pilot.press("escape")
            assert isinstance(app.screen, HomeScreen)

    run(scenario())


# Real runs: each starts a child process that imports torch, so these take a few seconds each.

@pytest.mark.slow
def test_a_tiny_run_streams_events_reaches_the_goal_and_marks_the_step_done(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/names", warm=True)
        async with app.run_test(size=SIZE) as pilot:
            panel = app.screen.query_one(TrainPanel)
            lane = panel.lanes["run"]
            await wait_for(pilot, lambda: lane.ready, what="the warm child")
            assert app.devices and app.devices[-1]["name"] == "cpu"
            await pilot.press("space")
            await wait_for(pilot, lambda: panel.state == "finished", what="the run to finish")
            assert lane.train and lane.val and lane.summary["steps"] == 40
            assert "names" in app.progress.done("tour")
            assert app.screen.query_one("#item-names", StepItem).done
            record = app.progress.data["lessons"]["tour"]["steps"]["names"]
            await wait_for(pilot, lambda: record.get("summary", {}).get("steps") == 40, timeout=5,
                           what="the run's summary in progress")
            assert "done" in text_of(panel.query_one("#status"))
            # The finished child still answers typed names.
            name_box = panel.query_one("#ask-name", Input)
            name_box.focus()
            await pilot.press(*"Rossi", "enter")
            await wait_for(pilot, lambda: "Rossi" in text_of(panel.query_one("#typed-guesses")),
                           what="the guesses for a typed name")
            child = lane.run.process
            await pilot.press("escape")  # out of the name box
            assert isinstance(app.screen, LessonScreen)
            await pilot.press("escape")  # leaving the step closes its child
            await wait_for(pilot, lambda: child.returncode is not None, timeout=10, what="the child to end")

    run(scenario())


@pytest.mark.slow
def test_a_diverging_run_is_explained_and_the_app_keeps_going(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/waves")
        async with app.run_test(size=SIZE) as pilot:
            panel = app.screen.query_one(TrainPanel)
            knob = panel.query_one("#knob-lr", Knob)
            knob.focus()
            for _ in range(20):
                await pilot.press("right")  # to the step's maximum, 10
            assert panel.values["lr"] == 10
            panel.query_one("#start").focus()
            await pilot.press("space")
            await wait_for(pilot, lambda: panel.state == "failed", what="the run to fail")
            status = text_of(panel.query_one("#status"))
            assert "diverged" in status and "lower the learning rate" in status
            assert "waves" not in app.progress.done("tour")
            await pilot.press("p")  # the app still answers keys
            assert app.screen.step.id == "names"

    run(scenario())


@pytest.mark.slow
def test_a_child_killed_from_outside_is_reported_as_a_crash(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/speak", warm=True)
        async with app.run_test(size=SIZE) as pilot:
            panel = app.screen.query_one(TrainPanel)
            lane = panel.lanes["run"]
            await wait_for(pilot, lambda: lane.ready, what="the warm child")
            await pilot.press("space")
            await wait_for(pilot, lambda: lane.train, what="the first loss point")
            os.kill(lane.run.process.pid, signal.SIGKILL)
            await wait_for(pilot, lambda: panel.state == "failed", what="the crash to be reported")
            assert "killed by SIGKILL" in text_of(panel.query_one("#status"))
            await pilot.press("space")  # and a new run starts
            await wait_for(pilot, lambda: panel.state == "running" and lane.train, what="a new run")
            await pilot.press("s")
            await wait_for(pilot, lambda: panel.state == "finished", what="the stop")

    run(scenario())


@pytest.mark.slow
def test_temperature_acts_on_the_running_job(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/speak", warm=True)
        async with app.run_test(size=SIZE) as pilot:
            panel = app.screen.query_one(TrainPanel)
            lane = panel.lanes["run"]
            seen = []
            await wait_for(pilot, lambda: lane.ready, what="the warm child")
            await pilot.press("space")
            await wait_for(pilot, lambda: lane.train, what="the first loss point")
            original = lane.run.on_event
            lane.run.on_event = lambda e: (seen.append(e), original(e))
            await pilot.press("k")  # to the knobs; temperature is the first
            assert app.focused is panel.query_one("#knob-temperature", Knob)
            await pilot.press("left", "left")
            await wait_for(pilot, lambda: any(e.get("event") == "set" for e in seen), what="the set event")
            await wait_for(pilot, lambda: any(e.get("event") == "sample" and e["temperature"] < 0.8 for e in seen),
                           what="a sample at the new temperature")
            assert "temperature 0.6" in text_of(panel.query_one("#sample-head")) or \
                   "temperature 0.7" in text_of(panel.query_one("#sample-head"))
            await pilot.press("s")

    run(scenario())


def test_a_finished_run_shows_its_recipe_exports_its_curve_and_the_recipe_replays_it(tmp_path, monkeypatch):
    import csv
    import subprocess
    import sys

    from tutor_app_fixture import LESSONS

    monkeypatch.chdir(tmp_path)
    async def scenario():
        app = make_app(tmp_path, open_target="tour/names")
        async with app.run_test(size=SIZE) as pilot:
            panel = app.screen.query_one(TrainPanel)
            await pilot.press("e")  # nothing to export before a run: said, nothing written
            await pilot.pause()
            assert not list(tmp_path.glob("*.csv"))
            await pilot.press("space")
            await wait_for(pilot, lambda: panel.state == "finished", what="the run to finish")
            recipe = panel.recipe()
            assert recipe.startswith("tour/names cell=gru hidden=16 ") and recipe.endswith("device=cpu")
            assert recipe in text_of(panel.query_one("#recipe"))
            await pilot.press("e")
            await wait_for(pilot, lambda: list(tmp_path.glob("rnn-tutor-tour-names-*.csv")), timeout=10,
                           what="the CSV in the current folder")
            await wait_for(pilot, lambda: any("Saved in" in n.message for n in app._notifications), timeout=5,
                           what="a notice saying where")
            return recipe

    recipe = run(scenario())
    exported = list(csv.DictReader(next(tmp_path.glob("*.csv")).open()))
    assert [r["step"] for r in exported] == [str(n) for n in range(1, 41)]
    assert sum(1 for r in exported if r["val_loss"]) >= 2 and exported[-1]["metric"]
    replay = subprocess.run([sys.executable, "-m", "tutor.cli", "train", "--lessons", str(LESSONS / "tour"),
                             "--recipe", recipe, "--csv", str(tmp_path / "replay.csv")],
                            capture_output=True, text=True, timeout=120)
    assert replay.returncode == 0, replay.stderr
    replayed = list(csv.DictReader((tmp_path / "replay.csv").open()))
    # The app's child and the headless command, same recipe on cpu: the same loss at every step.
    assert [r["train_loss"] for r in replayed] == [r["train_loss"] for r in exported]


@pytest.mark.slow
def test_the_recall_race_runs_one_child_per_cell_on_one_plot(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/race")
        async with app.run_test(size=SIZE) as pilot:
            panel = app.screen.query_one(TrainPanel)
            assert list(panel.lanes) == ["rnn", "lstm"]
            # The step asks for a prediction first: space without one asks (once) instead of starting.
            box = panel.query_one("#predict")
            assert "Which cell gets past 1% first?" in text_of(box.query_one("#predict-question"))
            assert "[b]Both[/b] score above 200%" in box.query(RadioButton)[3].label.plain  # text, not markup
            await pilot.press("space")
            await pilot.pause()
            assert panel.state == "idle" and box.chosen is None
            assert any("Predict first" in (n.title or "") for n in app._notifications)
            await pilot.press("4")  # a number key picks, then a click changes its mind
            assert box.chosen == 3
            await pilot.click(box.query(RadioButton)[1])
            assert box.chosen == 1
            await pilot.press("space")
            await wait_for(pilot, lambda: panel.state in ("running", "finished"), what="the run to start")
            assert "You predicted: The lstm" in text_of(box.query_one("#predict-verdict"))
            await pilot.press("1")  # committed: keys do not change a prediction mid-run
            await wait_for(pilot, lambda: panel.state == "finished", what="both cells to finish")
            assert box.chosen == 1 and box.verdict is not None
            first = min((lane for lane in panel.lanes.values() if lane.summary["goal"]["reached"]),
                        key=lambda lane: lane.summary["goal"]["reached"]["seconds"], default=None)
            expected = first is not None and first.name == "lstm"
            assert box.verdict.held is expected
            verdict = text_of(box.query_one("#predict-verdict"))
            assert ("Your prediction held" in verdict) is expected
            assert box.verdict.outcomes[3] is False  # an accuracy never passes 200%
            assert "reached by chance" in verdict
            configs = {name: lane.summary["config"]["cell"] for name, lane in panel.lanes.items()}
            assert configs == {"rnn": "rnn", "lstm": "lstm"}
            plot = panel.query_one("#plot")
            assert {"rnn", "lstm"} <= set(plot.series)  # one line per cell, named by the cell
            title = plot.query_one(".plot-title")  # the legend sits in the title line, off the lines
            await wait_for(pilot, lambda: "rnn" in text_of(title) and "lstm" in text_of(title),
                           what="both cells named in the legend at the next repaint")
            board = text_of(panel.query_one("#race-board"))
            params = {name: lane.summary["params"] for name, lane in panel.lanes.items()}
            assert params["lstm"] > params["rnn"]  # four weight blocks against one
            assert f"{params['lstm']:,}" in board and f"{params['rnn']:,}" in board
            # One recipe names both cells; the CSV has a row per step of each, by cell.
            assert " cell=rnn,lstm " in panel.recipe()
            table = panel.curve_csv().splitlines()
            assert table[0] == "cell,step,train_loss,val_loss,metric"
            cells = [row.split(",")[0] for row in table[1:]]
            assert cells.count("rnn") == panel.lanes["rnn"].summary["steps"]
            assert cells.count("lstm") == panel.lanes["lstm"].summary["steps"]

    run(scenario())


@pytest.mark.slow
def test_the_wave_view_draws_true_and_predicted_waves(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/waves")
        async with app.run_test(size=SIZE) as pilot:
            panel = app.screen.query_one(TrainPanel)
            await pilot.press("space")
            await wait_for(pilot, lambda: panel.state in ("finished", "failed"), what="the run")
            assert panel.state == "finished"
            wave = panel.query_one("#wave-plot")
            assert {"true", "one step", "forecast"} <= set(wave.series)
            true_points = wave.series["true"].points
            forecast = wave.series["forecast"].points
            assert forecast[0][0] > true_points[0][0]  # the forecast starts where the window ends

    run(scenario())


def test_a_damaged_progress_file_is_kept_aside_and_the_learner_told(tmp_path):
    (tmp_path / "progress.json").write_text("{ not json")

    async def scenario():
        app = make_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            messages = [n.message for n in app._notifications]
            assert any("could not be read" in m and "Starting afresh" in m for m in messages)
            assert isinstance(app.screen, HomeScreen)

    run(scenario())
    assert list(tmp_path.glob("progress.corrupt-*.json"))


def test_open_names_an_unknown_step_and_still_opens_the_lesson(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/nowhere")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, LessonScreen) and app.screen.step.id == "arrival"
            assert any("no step 'nowhere'" in n.message for n in app._notifications)

    run(scenario())


def test_the_app_command_needs_a_terminal():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "tutor.cli"], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 2
    assert "needs a terminal" in out.stderr


@pytest.mark.slow
def test_a_learner_writes_the_cell_in_the_editor_and_the_checks_pass(tmp_path):
    """The Dracula cell exercise: the starter fails, the learner types the two bodies into the
    editor, ctrl+r runs the checks in a child process, all pass, the step is done; the copy lives in
    the learner's folder and the shipped starter is untouched."""
    from textual.widgets import TextArea

    from tutor.lesson.search import builtin_dir, load_library
    from tutor.widgets.code_step import CodeStepView

    starter = builtin_dir() / "dracula" / "code" / "cell_starter.py"
    shipped = starter.read_text()

    def replace_line(editor, needle: str) -> None:
        row = next(i for i, line in enumerate(editor.text.splitlines()) if needle in line)
        line = editor.document.get_line(row)
        indent = len(line) - len(line.lstrip())
        editor.selection = Selection((row, indent), (row, len(line)))

    async def scenario():
        app = TutorApp(library=load_library(roots=[builtin_dir()]), progress_path=tmp_path / "progress.json",
                       settings_path=tmp_path / "settings.json", warm=False, open_target="dracula/write-the-cell")
        async with app.run_test(size=(100, 32)) as pilot:
            view = app.screen.query_one(CodeStepView)
            editor = view.query_one(TextArea)
            results = view.query_one("#results")
            await pilot.pause()
            assert app.focused is editor
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: "Run 1" in text_of(results), what="the first run's results")
            assert "Not written yet" in text_of(results) and "your line" in text_of(results)

            replace_line(editor, "write the cell's forward step")
            await pilot.press(*"combined = torch.cat((letter, hidden), 1); "
                               "return self.softmax(self.i2o(combined)), self.i2h(combined)")
            replace_line(editor, 'raise NotImplementedError("write init_hidden")')
            await pilot.press(*"return torch.zeros(1, self.hidden_size)")
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: "All checks pass" in text_of(results), timeout=90,
                           what="all checks passing")
            await wait_for(pilot, lambda: "write-the-cell" in app.progress.done("dracula"), what="the step marked done")
            copy = tmp_path / "code" / "dracula" / "write-the-cell.py"
            assert "torch.cat((letter, hidden), 1)" in copy.read_text()
            assert not view.query_one("#solution").has_class("-hidden"), "solved: the solution may be read"

            # Then train it: the follow-up step runs the learner's own file as the network.
            assert app.focused is view.query_one("#train-mine")
            await pilot.press("enter")
            await wait_for(pilot, lambda: bool(app.screen.query(TrainPanel)), what="the visitors' train step")
            panel = app.screen.query_one(TrainPanel)
            assert panel.step.id == "visitors" and panel.learner_cell["file"] == str(copy)
            assert not panel.query("#knob-cell"), "the cell is the learner's: no cell knob"
            job = panel.job_for(next(iter(panel.lanes.values())))
            assert job["learner_cell"] == {"file": str(copy), "entry": "CreatureCell"}
            # The learner's cell is given the goal its code step sets (it learns less than elman).
            assert job["goal"] == {"metric": "accuracy", "threshold": 0.74} and "0.74" in text_of(panel.query_one("#goal"))
            # The jump skipped the steps between the code step and visitors: a notice names them.
            assert any("Skipped on the way" in n.message and "Reading a name, letter by letter" in n.message
                       for n in app._notifications), [n.message for n in app._notifications]
            await pilot.press("1", "space")  # a prediction first, then the run
            lane = next(iter(panel.lanes.values()))
            await wait_for(pilot, lambda: bool(lane.metric), timeout=60, what="a first evaluation of the learner's cell")
            await pilot.press("s")
            await wait_for(pilot, lambda: panel.state in ("finished", "failed"), what="the run to stop")
            assert panel.state == "finished", lane.failed
            from models.data.names import VOCAB  # the names' alphabet; the cell is built for it
            per_layer = VOCAB + 128  # both Linear layers read cat(letter, hidden)
            assert lane.summary["params"] == per_layer * 128 + 128 + per_layer * 12 + 12, "the learner's cell, no other"

    run(scenario())
    assert starter.read_text() == shipped


@pytest.mark.slow
def test_code_from_a_lesson_outside_the_built_in_set_runs_only_once_the_learner_agrees(tmp_path):
    import shutil

    from tutor.lesson.search import builtin_dir, load_library
    from tutor.screens.confirm import ConfirmScreen
    from tutor.widgets.code_step import CodeStepView

    outside = tmp_path / "shared-lessons" / "dracula"
    shutil.copytree(builtin_dir() / "dracula", outside)

    async def scenario():
        app = TutorApp(library=load_library(roots=[outside.parent]), progress_path=tmp_path / "progress.json",
                       settings_path=tmp_path / "settings.json", warm=False, open_target="dracula/write-the-cell")
        async with app.run_test(size=(100, 32)) as pilot:
            view = app.screen.query_one(CodeStepView)
            results = view.query_one("#results")
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
            assert str(outside) in text_of(app.screen.query_one(".question"))
            await pilot.press("escape")  # no: nothing runs
            await pilot.pause(0.5)
            assert "Run 1" not in text_of(results) and view.runs == 0
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question again")
            await pilot.press("y")
            await wait_for(pilot, lambda: "Run 1" in text_of(results), what="the checks after yes")
            assert str(outside) in (tmp_path / "settings.json").read_text()
            await pilot.press("ctrl+r")  # asked once: the folder is trusted now
            await wait_for(pilot, lambda: "Run 2" in text_of(results), what="a second run without asking")

    run(scenario())
