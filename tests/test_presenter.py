"""Presenter mode (rnn-tutor demo, P): the step counter, hidden answers, auto-advance, `hide`, ctrl+s."""

from __future__ import annotations

import subprocess
import sys

from textual.widgets import Markdown

from tutor.screens.lesson import LessonScreen, seconds_to_read_aloud
from tutor.widgets.quiz import Quiz
from tutor.widgets.train_panel import TrainPanel

from test_app import SIZE
from test_app import text_of as rich_text_of
from tutor_app_fixture import make_app, run, wait_for


def text_of(widget) -> str:
    """Plain text of a Static, whose markup may use the theme's variables ($accent)."""
    from textual.content import Content

    if isinstance(widget.content, str):
        return Content.from_markup(widget.content).plain
    return rich_text_of(widget)


def test_presenter_mode_shows_a_step_counter_and_hides_the_step_list(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/memory", presenter=True)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            bar = app.screen.query_one("#presenter-bar")
            assert bar.display and "2 / 9" in text_of(bar) and "A memory in a loop" in text_of(bar)
            assert not app.screen.query_one("#steps").display
            await pilot.press("n")
            assert "3 / 9" in text_of(bar)
            await pilot.press("P")  # back to the learner's layout
            assert not bar.display and not app.presenter
            await pilot.press("P")
            assert bar.display and app.presenter

    run(scenario())


def test_a_quiz_in_front_of_a_class_keeps_the_why_until_a(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/which-cell", presenter=True)
        async with app.run_test(size=SIZE) as pilot:
            quiz = app.screen.query_one(Quiz)
            explanation = quiz.query_one("#explanation", Markdown)
            await pilot.press("1", "c")  # the room's guess: the plain RNN, wrong
            feedback = text_of(quiz.query_one("#feedback"))
            assert "Not quite" in feedback and "fades" not in feedback  # the why waits
            assert explanation.has_class("-hidden")
            await pilot.press("2", "c")
            assert "Right" in text_of(quiz.query_one("#feedback")) and explanation.has_class("-hidden")
            await pilot.press("a")
            await pilot.pause()
            assert not explanation.has_class("-hidden")
            assert "cell state carries memory" in text_of(quiz.query_one("#feedback"))
            assert "The answer:" in explanation.source and "An LSTM" in explanation.source
            assert "gates let its cell state" in explanation.source

    run(scenario())


def test_a_learner_alone_cannot_reveal_with_a(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/which-cell")
        async with app.run_test(size=SIZE) as pilot:
            quiz = app.screen.query_one(Quiz)
            await pilot.press("1", "c")
            assert "fades" in text_of(quiz.query_one("#feedback"))  # alone: the why at once
            await pilot.press("a")
            await pilot.pause()
            assert quiz.query_one("#explanation").has_class("-hidden")
            assert not [b for b in app.screen.active_bindings.values() if b.binding.action == "toggle_auto"]

    run(scenario())


def test_auto_advance_moves_on_from_story_steps_and_waits_on_the_others(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/arrival", presenter=True, auto_seconds=1)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            assert "next in 0:01" in text_of(screen.query_one("#presenter-bar"))
            await wait_for(pilot, lambda: screen.step.id == "memory", timeout=5, what="the story to move on")
            await pilot.pause(2.5)
            assert screen.step.id == "memory"  # an explain step waits for the teacher
            assert "waits here" in text_of(screen.query_one("#presenter-bar"))
            await pilot.press("A")  # off: back on the story, it stays
            await pilot.press("p")
            await pilot.pause(2.5)
            assert screen.step.id == "arrival" and not app.auto_advance

    run(scenario())


def test_reading_aloud_time_grows_with_the_words():
    assert seconds_to_read_aloud("a few words") == 10
    assert seconds_to_read_aloud(" ".join(["word"] * 300)) == 120


def test_a_train_steps_hide_list_removes_those_controls_only_when_presenting(tmp_path):
    async def scenario():
        app = make_app(tmp_path, open_target="tour/names")
        async with app.run_test(size=SIZE) as pilot:
            panel = app.screen.query_one(TrainPanel)
            assert panel.query_one("#knob-lr").display and panel.query_one("#device").display
            await pilot.press("P")
            await pilot.pause()
            assert not panel.query_one("#knob-lr").display and not panel.query_one("#device").display
            assert panel.query_one("#knob-cell").display and panel.query_one("#plot").display
            assert not panel.query_one("#about").display  # the plot gets the room

    run(scenario())


def test_ctrl_s_saves_the_screen_as_svg_in_the_current_folder_and_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def scenario():
        app = make_app(tmp_path, open_target="tour/arrival", presenter=True)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: list(tmp_path.glob("rnn-tutor-*.svg")), timeout=5, what="the SVG")
            saved = next(tmp_path.glob("rnn-tutor-*.svg"))
            await wait_for(pilot, lambda: any(str(saved) in n.message for n in app._notifications),
                           timeout=5, what="a notice naming the file")
            svg = saved.read_text()
            assert svg.startswith("<svg") and "keeper" in svg

    run(scenario())


def test_demo_needs_a_terminal_and_a_lesson():
    result = subprocess.run([sys.executable, "-m", "tutor.cli", "demo"], capture_output=True, text=True)
    assert result.returncode == 2 and "LESSON" in result.stderr
    result = subprocess.run([sys.executable, "-m", "tutor.cli", "demo", "dracula"], capture_output=True,
                            text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and "needs a terminal" in result.stderr
