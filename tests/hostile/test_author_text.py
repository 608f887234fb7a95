"""An author's text is text: markup in any string of a lesson is shown, never parsed or acted on, and
control characters (escape sequences for the terminal) keep a lesson from loading, with where they are."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


from test_app import text_of
from tutor.app import TutorApp
from tutor.lesson.load import load_lesson
from tutor.lesson.search import load_library
from tutor.screens.home import HomeScreen
from tutor.screens.lesson import LessonScreen
from tutor_app_fixture import run

HERE = Path(__file__).resolve().parent


def test_markup_in_every_string_of_a_lesson_is_shown_as_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a screenshot action would write, if any ran
    library = load_library(roots=[HERE / "lessons" / "markup"])
    assert "markup" in library.lessons, [str(p) for p in library.problems]

    async def scenario():
        app = TutorApp(library=library, progress_path=tmp_path / "p.json", settings_path=tmp_path / "s.json",
                       warm=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            await pilot.click("LessonCard")
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            for step in screen.lesson.steps:
                assert screen.step.id == step.id
                titles = [text_of(w) for w in screen.query(".step-title")]
                assert any(step.title.replace("[/]", "") in t.replace("[/]", "") for t in titles)
                assert any("[/]" in t or "[@click" in t for t in titles), titles
                if step.kind == "quiz":
                    await pilot.press("h", "h")
                    for _ in range(3):  # clicks on every line of the step, where links would be
                        for y in range(2, 30):
                            await pilot.click(offset=(10, y))
                    await pilot.press("escape") if app.focused and app.focused.id == "answer" else None
                    await pilot.press("1", "c", "c", "c")
                for y in range(2, 38, 2):  # click across the whole screen: no link may run an action
                    await pilot.click(offset=(30, y))
                assert app.is_running
                if isinstance(app.screen, LessonScreen) and app.focused is not None \
                        and app.focused.id == "answer" and app.screen.step.kind == "quiz":
                    await pilot.press("escape")
                await pilot.press("x")  # the reset question quotes the titles
                await pilot.pause()
                await pilot.press("escape")
                await pilot.click("#next")
                await pilot.pause()
                if not isinstance(app.screen, LessonScreen):
                    break
            assert app.is_running
        assert not list(tmp_path.glob("*.svg")), "a link in the lesson ran the screenshot action"

    run(scenario())


def test_control_characters_keep_a_lesson_from_loading_with_their_position(tmp_path):
    file = tmp_path / "evil" / "lesson.yaml"
    file.parent.mkdir()
    source = (HERE / "lessons" / "markup" / "lesson.yaml").read_text()
    source = source.replace('title: "[/]quiz"', 'title: "quiz \\e]0;owned\\a \\e[2J \\e]52;c;b3duZWQ=\\a"')
    file.write_text(source)
    lesson, problems = load_lesson(file)
    assert lesson is None
    shown = [str(p) for p in problems]
    assert any(":21:5:" in s and "steps[2].title: control character U+001B" in s for s in shown), shown
    result = subprocess.run([sys.executable, "-m", "tutor.cli", "validate", str(file)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and "\x1b" not in result.stdout + result.stderr
    assert "control character U+001B" in result.stdout
