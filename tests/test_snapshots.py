"""Snapshots of every screen and step kind at 80x24 and 160x48 (pytest-textual-snapshot).

Update after a deliberate change with `python -m pytest tests/test_snapshots.py --snapshot-update`,
then look at the SVGs under tests/__snapshots__/ before committing them.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tutor.app import TutorApp
from tutor.lesson.search import load_library
from tutor.widgets.loss_plot import LossPlot
from tutor.widgets.train_panel import TrainPanel

HERE = Path(__file__).resolve().parent
SIZES = [(80, 24), (160, 48)]


@pytest.fixture
def app_factory(tmp_path, monkeypatch):
    """Apps over tests/app_lessons, with paths shown relative to tests/ so any checkout matches."""
    monkeypatch.chdir(HERE)

    def make(broken: bool = False, open_target: str | None = None, presenter: bool = False) -> TutorApp:
        roots = [Path("app_lessons/tour")] + ([Path("app_lessons/broken")] if broken else [])
        return TutorApp(library=load_library(roots=roots), progress_path=tmp_path / "progress.json",
                        settings_path=tmp_path / "settings.json", warm=False, open_target=open_target,
                        presenter=presenter)

    return make


def fake_run(panel: TrainPanel, steps: int = 600, sample: dict | None = None) -> None:
    """A seeded event stream, as a child would send it, without a child (or torch)."""
    lane = next(iter(panel.lanes.values()))
    panel._set_state("running")
    panel._on_event(lane, {"event": "started", "device": "cpu", "params": 12345, "task": panel.step.task,
                           "config": {"cell": "gru", "layers": 1, "hidden": 16}})
    for step in range(10, steps + 1, 10):
        loss = 2.5 * math.exp(-step / 150) + 0.4 + 0.08 * math.sin(step / 7)
        panel._on_event(lane, {"event": "step", "step": step, "loss": loss, "items_per_s": 4321.0,
                               "lr": 3e-3, "progress": step / 1000, "seconds": step / 20})
        if step % 100 == 0:
            val = 2.5 * math.exp(-step / 150) + 0.5
            panel._on_event(lane, {"event": "eval", "step": step, "seconds": step / 20, "final": False,
                                   "val_loss": val, "metrics": {"val_loss": val, "accuracy": min(0.9, step / 700),
                                                                "mse": val / 4},
                                   "details": {"classes": ["Irish", "Scottish", "Welsh"],
                                               "confusion": [[30, 6, 1], [9, 25, 2], [0, 1, 40]]}})
    if sample:
        panel._on_event(lane, {"event": "sample", "step": steps, **sample})
    panel.query_one("#plot", LossPlot).redraw()
    panel._refresh_view()


NAME_SAMPLE = {"rows": [
    {"name": "O'Brien", "true": "Irish", "correct": True, "guesses": [["Irish", 0.81], ["Scottish", 0.12], ["Welsh", 0.04]]},
    {"name": "Campbell", "true": "Scottish", "correct": False, "guesses": [["Irish", 0.51], ["Scottish", 0.40], ["Welsh", 0.05]]},
]}
TEXT_SAMPLE = {"prompt": "The keeper", "temperature": 0.8,
               "text": "The keeper waits at the window. The lamp blinks in the fog until the morning."}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare, app_factory, size):
    assert snap_compare(app_factory(broken=True), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_problems(snap_compare, app_factory, size):
    assert snap_compare(app_factory(broken=True), press=["p"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("step", ["arrival", "memory"])
def test_story_and_explain(snap_compare, app_factory, size, step):
    assert snap_compare(app_factory(open_target=f"tour/{step}"), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_quiz_after_a_hint_and_a_wrong_answer(snap_compare, app_factory, size):
    assert snap_compare(app_factory(open_target="tour/which-cell"), press=["h", "enter", "c"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_typed_quiz(snap_compare, app_factory, size):
    assert snap_compare(app_factory(open_target="tour/shape"), press=[*"(1, 3, 20)", "enter"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("step,sample", [("names", NAME_SAMPLE), ("speak", TEXT_SAMPLE)], ids=["classify", "char-lm"])
def test_train_panel_mid_run(snap_compare, app_factory, size, step, sample):
    async def feed(pilot):
        await pilot.pause()
        fake_run(pilot.app.screen.query_one(TrainPanel), sample=sample)
        await pilot.pause()

    assert snap_compare(app_factory(open_target=f"tour/{step}"), run_before=feed, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presenter_train_panel_mid_run(snap_compare, app_factory, size):
    """Projected: counter on top, no step list, the step's `hide` list (lr, device) gone."""
    async def feed(pilot):
        await pilot.pause()
        fake_run(pilot.app.screen.query_one(TrainPanel), sample=NAME_SAMPLE)
        await pilot.pause()

    assert snap_compare(app_factory(open_target="tour/names", presenter=True), run_before=feed, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presenter_quiz_checked_then_revealed(snap_compare, app_factory, size):
    assert snap_compare(app_factory(open_target="tour/which-cell", presenter=True), press=["1", "c", "a"],
                        terminal_size=size)


def test_too_small_terminal(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(60, 20))
