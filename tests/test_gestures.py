"""Every way into and out of every step of every shipped lesson, by key and by mouse.

One app per lesson walks all of its steps several times over (n, p, clicking Next and Back, the step
list, `open LESSON/STEP`): after every move the step on the stage is the one asked for and its main
control has the focus. Key-only tests never caught that clicking Next into a quiz crashed the app.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label, ListView, TextArea

from tutor.app import TutorApp
from tutor.lesson.search import load_library
from tutor.screens.home import HomeScreen
from tutor.screens.lesson import LessonScreen, StepItem
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
    if kind == "quiz":  # the answer box, the choices, or one tick box of several
        return focused.id == "answer" or any(node.id == "answer" for node in focused.ancestors)
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


async def go_by_list(pilot, app, index: int) -> None:
    steps_list = app.screen.query_one("#steps", ListView)
    steps_list.focus()
    steps_list.index = index
    await pilot.press("enter")
    await pilot.pause()


async def arrived(pilot, app, step_id: str, how: str) -> None:
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LessonScreen), f"{how}: the lesson screen is gone ({screen!r})"
    assert screen.step.id == step_id, f"{how}: showing {screen.step.id}, not {step_id}"
    assert screen.query_one("#step-body").children, f"{how}: {step_id} shows nothing"
    assert primary_control_focused(app), f"{how} into {step_id} ({screen.step.kind}): focus on {app.focused!r}"


@pytest.mark.parametrize("lesson_id", SHIPPED)
def test_every_step_is_reached_and_left_every_way(tmp_path, lesson_id):
    """Forward by n and by clicking Next in turn, back by p and by clicking Back in turn, the step
    list and `open LESSON/STEP` at every third step: every step is reached and left by key and by
    mouse, and every kind of step (story, explain, quiz, code, train) meets every way."""
    steps = [s.id for s in LESSONS[lesson_id].steps]
    kinds = {s.id: s.kind for s in LESSONS[lesson_id].steps}
    met: dict[str, set[str]] = {}

    async def into(pilot, app, step_id: str, how: str) -> None:
        await arrived(pilot, app, step_id, how)
        met.setdefault(how, set()).add(kinds[step_id])

    async def scenario():
        app = make(tmp_path, open_target=lesson_id)
        async with app.run_test(size=SIZE) as pilot:
            await arrived(pilot, app, steps[0], "open LESSON")
            for i, step_id in enumerate(steps[1:]):
                if i % 2:
                    await key(pilot, app, "n")
                    await into(pilot, app, step_id, "n")
                else:
                    assert await pilot.click("#next")
                    await into(pilot, app, step_id, "click Next")
            for i, step_id in enumerate(reversed(steps[:-1])):
                if i % 2:
                    await key(pilot, app, "p")
                    await into(pilot, app, step_id, "p")
                else:
                    assert await pilot.click("#back")
                    await into(pilot, app, step_id, "click Back")
            # Enter on the focused Next and Back buttons, as a keyboard learner does after tab.
            app.screen.query_one("#next").focus()
            await pilot.press("enter")
            await arrived(pilot, app, steps[1], "enter on Next")
            app.screen.query_one("#back").focus()
            await pilot.press("enter")
            await arrived(pilot, app, steps[0], "enter on Back")
            # A click on an entry of the step list (the cover below walks the list and `open` by key).
            await pilot.click(f"#item-{steps[2]}")
            await arrived(pilot, app, steps[2], "click in the step list")
            met["the step list"], met["open LESSON/STEP"] = set(), set()
            # The last step's Finish leaves the lesson.
            await key(pilot, app, "escape")
            app.open_from_target(f"{lesson_id}/{steps[-1]}")
            await pilot.pause()
            await pilot.click("#next")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            app.open_from_target(lesson_id)
            await pilot.pause()
            # Every kind of step by every way: the passes above leave a few pairs out; fill them in.
            every_kind = sorted(set(kinds.values()))
            for how in list(met):
                for kind in every_kind:
                    if kind in met[how]:
                        continue
                    index = next(i for i, s in enumerate(steps) if kinds[s] == kind
                                 and (how not in ("n", "click Next") or i > 0)
                                 and (how not in ("p", "click Back") or i < len(steps) - 1))
                    if how in ("n", "click Next", "p", "click Back"):
                        before = index - 1 if how in ("n", "click Next") else index + 1
                        await go_by_list(pilot, app, before)
                        if how.startswith("click"):
                            assert await pilot.click("#next" if how == "click Next" else "#back")
                        else:
                            await key(pilot, app, how)
                    elif how == "the step list":
                        await go_by_list(pilot, app, index)
                    else:
                        await key(pilot, app, "escape")
                        app.open_from_target(f"{lesson_id}/{steps[index]}")
                    await into(pilot, app, steps[index], how)
        for how, seen in met.items():
            assert seen == set(every_kind), f"{how} never reached a {set(every_kind) - seen} step"
        assert len(met) == 6

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
    if panel.prediction is not None:
        await pilot.press("1")  # the step asks for a prediction first
        assert panel.prediction.chosen == 0
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


# The defects found by hand, each with the test that failed before its fix -------------------------

def test_code_step_hints_come_one_at_a_time_by_key_and_by_click_and_ctrl_c_copies(tmp_path):
    from textual.widgets import Static

    from test_app import text_of

    async def scenario():
        app = make(tmp_path, open_target="dracula/write-the-cell")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            editor = app.screen.query_one(TextArea)
            assert app.focused is editor
            hints = app.screen.query_one("#hints", Static)
            total = len(app.screen.step.hints)
            assert total >= 2
            # ctrl+c is the editor's copy key: it copies a selection and never quits.
            editor.select_all()
            await pilot.press("ctrl+c")
            assert app.is_running and app.clipboard == editor.text
            editor.move_cursor((0, 0))
            await pilot.press("ctrl+c")
            assert app.is_running
            # h is a letter in the editor; esc leaves it, then h gives the first hint only.
            await pilot.press("escape", "h")
            first = text_of(hints)
            assert "💡" in first and first.count("💡") == 1
            assert await pilot.click("#hint")
            assert text_of(hints).count("💡") == 2
            for _ in range(total):
                await pilot.press("h")
            assert text_of(hints).count("💡") == total
            assert app.screen.query_one("#hint").disabled
            # Outside the editor ctrl+c still quits.
            await pilot.press("ctrl+c")
            await pilot.pause()
            assert not app.is_running

    run(scenario())


def test_a_typed_number_takes_what_pytorch_prints_and_the_explanation_is_reachable_by_keys(tmp_path):
    from textual.widgets import Markdown

    from test_app import text_of
    from tutor.widgets.quiz import Quiz, not_a_list

    async def scenario():
        app = make(tmp_path, open_target="frankenstein/count-springs")
        async with app.run_test(size=(100, 24)) as pilot:
            await pilot.pause()
            quiz = app.screen.query_one(Quiz)
            # Words where a number goes: told how to answer, and it is not counted as a try.
            await pilot.press(*"twelve", "enter")
            assert "plain number" in text_of(quiz.query_one("#feedback"))
            assert quiz.attempts == 0
            answer = quiz.query_one(Input)
            answer.value = ""
            await pilot.press(*"tensor(1248)", "enter")  # what sum(p.numel() ...) prints, pasted
            await pilot.pause()
            assert quiz.solved and quiz.attempts == 1
            assert app.focused.id == "next"  # enter now moves on...
            explanation = quiz.query_one("#explanation", Markdown)
            assert "1,248" in text_of_markdown(explanation)
            # ...and the keys still scroll the step down to the whole explanation.
            await pilot.press("end")
            await pilot.pause()
            assert quiz.scroll_y == quiz.max_scroll_y > 0
            bottom = explanation.region.bottom
            assert bottom <= quiz.region.bottom, "the explanation's end is still below the fold"
            await pilot.press("home")
            await pilot.pause()
            assert quiz.scroll_y == 0

    run(scenario())
    # An explanation that starts with a number is a sentence, not a numbered list.
    assert not_a_list("12. Each backward adds").startswith("12\\.")


def text_of_markdown(markdown) -> str:
    return " ".join(str(block._content) if hasattr(block, "_content") else "" for block in markdown.children)


def test_several_right_answers_wrap_instead_of_ending_in_an_ellipsis(tmp_path):
    from tutor.widgets.quiz import Checklist, Quiz

    async def scenario():
        for presenter in (False, True):
            app = make(tmp_path, open_target="dracula/hot-and-cold", presenter=presenter)
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                quiz = app.screen.query_one(Quiz)
                boxes = quiz.query_one(Checklist).boxes
                long = [b for b in boxes if len(b.label.plain) > 70]
                assert long and all(b.size.height >= 2 for b in long)
                assert "…" not in "".join(b.render_line(y).text for b in boxes for y in range(b.size.height))
                if not presenter:  # up/down walk the choices, space ticks, the numbers tick too
                    assert app.focused is boxes[0]
                    await pilot.press("down", "space", "4")
                    assert quiz.query_one(Checklist).selected == [1, 3]

    run(scenario())


def test_train_instructions_open_where_there_is_room_and_the_learners_choice_holds(tmp_path):
    async def scenario():
        app = make(tmp_path, open_target="oz/far-sight")
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.pause()
            about = app.screen.query_one("#about")
            assert not about.collapsed  # the numbered tasks are the point of the step
            about.collapsed = True
            await pilot.pause()
            assert app.settings.train_about == "closed"
            await pilot.press("p", "n")
            await pilot.pause()
            assert app.screen.query_one("#about").collapsed  # the choice holds on the next visit
        app = make(tmp_path, open_target="oz/far-sight")
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.pause()
            assert app.screen.query_one("#about").collapsed  # and after a restart
        (tmp_path / "settings.json").unlink()
        app = make(tmp_path, open_target="oz/far-sight")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert app.screen.query_one("#about").collapsed  # 24 rows: the plot needs them

    run(scenario())


def test_the_step_list_widens_with_the_screen_and_b_puts_the_focus_in_it(tmp_path):
    async def scenario():
        app = make(tmp_path, open_target="frankenstein")
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            steps = app.screen.query_one("#steps", ListView)
            assert steps.size.width > 34
            longest = max(len(s.title) for s in app.screen.lesson.steps)
            assert longest > 28 and steps.size.width >= 50
            for item in app.screen.query(StepItem):  # every title whole, wrapped where it must be
                label = item.query_one(Label)
                shown = " ".join(label.render_line(y).text.strip() for y in range(label.size.height))
                assert " ".join(item.step.title.split()) in " ".join(shown.split()), shown
        app = make(tmp_path, open_target="frankenstein")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert app.screen.has_class("-hide-steps")
            await pilot.press("b")
            assert app.focused is app.screen.query_one("#steps")
            await pilot.press("down", "enter")
            await pilot.pause()
            assert app.screen.step.id == app.screen.step_ids[1]

    run(scenario())


def test_help_shows_whole_section_names():
    from rich.console import Console

    from tutor.screens.help import key_table

    console = Console(width=80, record=True, file=open("/dev/null", "w"))
    console.print(key_table())
    text = console.export_text()
    assert "A knob (setting)" in text and "q / ctrl+c / ctrl+q" in text
    assert "…" not in text.replace("Reset…", "")  # the one ellipsis the app means: it asks first
    assert "Code step" in text


def test_a_goal_not_reached_never_prints_as_the_goal():
    from types import SimpleNamespace

    from tutor.widgets.train_panel import goal_progress

    goal = SimpleNamespace(metric="accuracy", threshold=0.78)
    assert goal_progress(0.7796, goal) == "0.7796/0.78"
    assert goal_progress(0.781, goal) == "0.781/0.78 ✓"
    loss_goal = SimpleNamespace(metric="val_loss", threshold=1.5)
    assert goal_progress(1.50004, loss_goal) == "1.50004/1.5"


def test_the_headless_chart_labels_steps_as_whole_numbers():
    from tutor.headless import _loss_chart

    chart = _loss_chart([{"step": i, "loss": 2 / i} for i in range(1, 1502)], [(500, 1.0), (1500, 0.5)], 80)
    axis = [line for line in chart.splitlines() if "1,501" in line]
    assert axis and "." not in axis[0].replace("\x1b[0m", "")


def test_a_new_run_says_starting_at_once_and_no_key_of_a_quick_sequence_is_lost(tmp_path):
    from test_app import text_of
    from tutor.widgets.train_panel import TrainPanel
    from tutor_app_fixture import make_app, wait_for

    async def scenario():
        app = make_app(tmp_path, open_target="tour/speak")
        async with app.run_test(size=SIZE) as pilot:
            panel = app.screen.query_one(TrainPanel)
            status = panel.query_one("#status")
            lane = next(iter(panel.lanes.values()))
            await pilot.press("space")
            assert "starting" in text_of(status)
            await wait_for(pilot, lambda: panel.state == "finished", what="the first run")
            assert "done" in text_of(status)
            first = lane.run
            # space, space, space, s, space: start, pause, resume, stop, and start once more.
            await pilot.press("space")
            assert "done" not in text_of(status) and "starting" in text_of(status)
            await pilot.press("space", "space", "s", "space")
            await wait_for(pilot, lambda: lane.run is not first and lane.run is not None and lane.train
                           and panel.state == "running", what="the run started by the last space")
            await wait_for(pilot, lambda: panel.state == "finished", what="the last run")

    run(scenario())


def test_a_race_ends_in_one_short_line_that_names_every_cell(tmp_path):
    from test_app import text_of
    from tutor.widgets.train_panel import TrainPanel
    from tutor_app_fixture import make_app

    async def scenario():
        app = make_app(tmp_path, open_target="tour/race")
        async with app.run_test(size=(80, 24)) as pilot:
            panel = app.screen.query_one(TrainPanel)
            summaries = {name: {"steps": 30, "seconds": 12.0, "device": "cpu", "item": "sequences",
                                "items_per_second": 900.0, "val_loss": 0.5, "metrics": {"accuracy": acc},
                                "goal": {"reached": acc > 0.5}} for name, acc in (("rnn", 0.21), ("lstm", 0.97))}
            status = panel.query_one("#status")
            status.update(panel._summary_line(summaries))
            await pilot.pause()
            shown = text_of(status)
            assert "rnn 0.21" in shown and "lstm 0.97 ✓" in shown
            assert status.size.height <= 2

    run(scenario())
