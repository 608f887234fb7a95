"""Every way into and out of every step of every shipped lesson, by key and by mouse.

One app per lesson walks all of its steps several times over (n, p, clicking Next and Back, the step
list, `open LESSON/STEP`): after every move the step on the stage is the one asked for and its main
control has the focus. Key-only tests never caught that clicking Next into a quiz crashed the app.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, ListView, TextArea

from tutor.app import TutorApp
from tutor.lesson.search import load_library
from tutor.screens.home import HomeScreen
from tutor.screens.lesson import LessonScreen
from tutor.widgets.prose import ProseStep

from tutor_app_fixture import run

SIZE = (120, 40)
LIBRARY = load_library()
SHIPPED = sorted(LESSONS := LIBRARY.lessons)


def primary_control_focused(app) -> bool:
    """The control a learner acts on first: the page itself, the answer, Start, the editor."""
    screen = app.screen
    focused = app.focused
    if not isinstance(screen, LessonScreen) or focused is None:
        return False
    kind = screen.step.kind
    if kind in ("story", "explain"):
        return isinstance(focused, ProseStep)
    if kind == "quiz":
        return focused.id == "answer"
    if kind == "train":
        return focused.id == "start"
    return isinstance(focused, TextArea)


def make(tmp_path, **kwargs) -> TutorApp:
    return TutorApp(library=LIBRARY, progress_path=tmp_path / "progress.json",
                    settings_path=tmp_path / "settings.json", code_dir=tmp_path / "code", warm=False, **kwargs)


async def key(pilot, app, name: str) -> None:
    """A step key as a learner presses it: a text box keeps letters, so esc leaves it first."""
    if isinstance(app.focused, (Input, TextArea)):
        await pilot.press("escape")
    await pilot.press(name)


async def arrived(pilot, app, step_id: str, how: str) -> None:
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LessonScreen), f"{how}: the lesson screen is gone ({screen!r})"
    assert screen.step.id == step_id, f"{how}: showing {screen.step.id}, not {step_id}"
    assert screen.query_one("#step-body").children, f"{how}: {step_id} shows nothing"
    assert primary_control_focused(app), f"{how} into {step_id} ({screen.step.kind}): focus on {app.focused!r}"


@pytest.mark.parametrize("lesson_id", SHIPPED)
def test_every_step_is_reached_and_left_every_way(tmp_path, lesson_id):
    steps = [s.id for s in LESSONS[lesson_id].steps]

    async def scenario():
        app = make(tmp_path, open_target=lesson_id)
        async with app.run_test(size=SIZE) as pilot:
            await arrived(pilot, app, steps[0], "open LESSON")
            # Forward by key, back by key.
            for step_id in steps[1:]:
                await key(pilot, app, "n")
                await arrived(pilot, app, step_id, "n")
            for step_id in reversed(steps[:-1]):
                await key(pilot, app, "p")
                await arrived(pilot, app, step_id, "p")
            # Forward by clicking Next, back by clicking Back (the buttons, not keys).
            for step_id in steps[1:]:
                assert await pilot.click("#next")
                await arrived(pilot, app, step_id, "click Next")
            for step_id in reversed(steps[:-1]):
                assert await pilot.click("#back")
                await arrived(pilot, app, step_id, "click Back")
            # Enter on the focused Next button, as a keyboard learner does after tab.
            app.screen.query_one("#next").focus()
            await pilot.press("enter")
            await arrived(pilot, app, steps[1], "enter on Next")
            app.screen.query_one("#back").focus()
            await pilot.press("enter")
            await arrived(pilot, app, steps[0], "enter on Back")
            # The step list, from the last step to the first and a jump across the middle.
            order = list(reversed(range(len(steps))))
            for index in order:
                steps_list = app.screen.query_one("#steps", ListView)
                steps_list.focus()
                steps_list.index = index
                await pilot.press("enter")
                await arrived(pilot, app, steps[index], "the step list")
            # Clicking a visible entry of the step list.
            assert await pilot.click(f"#item-{steps[2]}")
            await arrived(pilot, app, steps[2], "click in the step list")
            # Out to the lesson picker and back in at every step, as `open LESSON/STEP` does.
            for step_id in steps:
                await key(pilot, app, "escape")
                await pilot.pause()
                assert isinstance(app.screen, HomeScreen)
                app.open_from_target(f"{lesson_id}/{step_id}")
                await arrived(pilot, app, step_id, "open LESSON/STEP")
            # The last step's Finish leaves the lesson.
            await pilot.click("#next")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)

    run(scenario())


# Leaving a step while it trains ------------------------------------------------------------------

TRAIN_STEPS = [(lesson_id, step.id) for lesson_id in SHIPPED for step in LESSONS[lesson_id].steps
               if step.kind == "train"]
WAYS_OUT = ("escape", "n", "p", "list", "quit")


def alive(pid: int) -> bool:
    """The child still exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def start_and_leave(pilot, app, lesson_id: str, step_id: str, way: str) -> list[int]:
    """Open the step, train until the first loss point, leave by `way`; the children's pids."""
    from tutor.widgets.train_panel import TrainPanel
    from tutor_app_fixture import wait_for

    if not isinstance(app.screen, LessonScreen) or app.screen.step.id != step_id:
        if isinstance(app.screen, LessonScreen):
            await pilot.press("escape")
        app.open_from_target(f"{lesson_id}/{step_id}")
        await pilot.pause()
    panel = app.screen.query_one(TrainPanel)
    await pilot.press("space")
    await wait_for(pilot, lambda: any(lane.train for lane in panel.lanes.values()), timeout=90,
                   what=f"the first loss point of {lesson_id}/{step_id}")
    pids = [lane.run.process.pid for lane in panel.lanes.values() if lane.run and lane.run.process]
    screen = app.screen
    if way == "list":
        steps_list = screen.query_one("#steps", ListView)
        steps_list.focus()
        steps_list.index = 0
        await pilot.press("enter")
    elif way == "quit":
        await pilot.press("q")
        return pids
    else:
        await pilot.press(way)
    # Events keep coming for a moment after leaving: they must find nothing to draw on, not crash.
    await pilot.pause(0.5)
    assert app.is_running
    assert not (isinstance(app.screen, LessonScreen) and app.screen.step.id == step_id)
    await wait_for(pilot, lambda: not any(alive(pid) for pid in pids), timeout=15,
                   what="the training children to end")
    return pids


@pytest.mark.slow
@pytest.mark.parametrize("lesson_id,step_id", TRAIN_STEPS, ids=[f"{l}-{s}" for l, s in TRAIN_STEPS])
def test_leaving_a_train_step_mid_run_ends_its_children_and_keeps_the_app(tmp_path, lesson_id, step_id):
    """The first train step is left every way; each of the others one way, in turn, so every way
    meets a classifier, a language model, a regression and a race at least once."""
    index = TRAIN_STEPS.index((lesson_id, step_id))
    ways = WAYS_OUT if index == 0 else (WAYS_OUT[(index - 1) % len(WAYS_OUT)],)

    async def scenario():
        app = make(tmp_path, open_target=f"{lesson_id}/{step_id}")
        pids: list[int] = []
        async with app.run_test(size=SIZE) as pilot:
            for way in ways:
                pids += await start_and_leave(pilot, app, lesson_id, step_id, way)
        for pid in pids:  # quitting waits for its runs too
            assert not alive(pid), f"child {pid} outlived the app"

    run(scenario())
