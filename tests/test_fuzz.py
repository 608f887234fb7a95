"""A seeded random walk of keys and clicks over every screen: no exception, and the app keeps answering.

CI walks a fixed seed a few hundred events per starting screen; `RNN_TUTOR_FUZZ_SEEDS=20
RNN_TUTOR_FUZZ_EVENTS=1000 python -m pytest tests/test_fuzz.py` walks more. A train step's space
starts real (tiny) runs, so the walk also leaves, resets and stops runs at random moments.
"""

from __future__ import annotations

import asyncio
import os
import random

import pytest

from tutor_app_fixture import make_app, run

SEEDS = range(int(os.environ.get("RNN_TUTOR_FUZZ_SEEDS", "1")))
EVENTS = int(os.environ.get("RNN_TUTOR_FUZZ_EVENTS", "120"))
ANSWER_SECONDS = 20.0
"""A screen that takes longer than this to take one key has stopped answering."""

# Every key the app binds anywhere, keys it does not, and text; not the ones that quit.
KEYS = ["n", "p", "left", "right", "up", "down", "pageup", "pagedown", "home", "end", "tab", "shift+tab",
        "enter", "space", "escape", "h", "c", "a", "b", "x", "A", "P", "o", "question_mark", "1", "2", "3",
        "4", "l", "m", "k", "t", "e", "y", "r", "s", "plus", "minus", "ctrl+r", "ctrl+s", "backspace",
        "z", "0", "9", "(", ")", ",", "delete"]
STARTS = ["", "tour/shape", "tour/gates", "tour/names", "tour/race"]
"""Home, a typed and a several-answer quiz, a train panel and a race; n, p, esc and clicks carry the
walk on to every other screen from there."""


async def walk(app, pilot, rng: random.Random) -> None:
    width, height = app.size
    for _ in range(EVENTS):
        roll = rng.random()
        if roll < 0.25:
            action = pilot.click(offset=(rng.randrange(width), rng.randrange(height)))
        elif roll < 0.30:
            action = pilot.mouse_down(offset=(rng.randrange(width), rng.randrange(height)))
        else:
            action = pilot.press(rng.choice(KEYS))
        try:
            await asyncio.wait_for(action, ANSWER_SECONDS)
        except asyncio.TimeoutError:
            raise AssertionError(f"the app stopped answering on {app.screen!r}") from None
        assert app.is_running, f"the app ended on {app.screen!r}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("start", STARTS, ids=lambda s: s or "home")
def test_a_random_walk_of_keys_and_clicks_never_crashes(tmp_path, monkeypatch, start, seed):
    from tutor.app import TutorApp

    monkeypatch.chdir(tmp_path)  # screenshots and CSV exports land here
    quits = []

    async def no_quit(self) -> None:  # a click on "q Quit" in the key bar is a way out, not a crash
        quits.append(self.screen)

    monkeypatch.setattr(TutorApp, "action_quit", no_quit)
    rng = random.Random(f"{start}:{seed}")

    async def scenario():
        app = make_app(tmp_path, open_target=start or None)
        async with app.run_test(size=(100, 30)) as pilot:
            await walk(app, pilot, rng)
            await app.close_runs()
            app.exit()
        assert app.return_code in (None, 0)

    run(scenario())
