"""The three story lessons: every concept of the chapters is taught by some step, and each lesson has
the shape a newcomer's 25-40 minutes needs (a story with an ending, checked quizzes, live training)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest
import yaml

from tutor.lesson.estimate import estimate_problem, minutes
from tutor.lesson.search import builtin_dir, load_library

CONCEPTS = {
    "dracula": [
        "sequences", "order-matters", "one-hot", "hidden-state", "i2h-i2o-cell", "logsoftmax",
        "nllloss", "nll-equals-cross-entropy", "sgd", "loop-over-characters", "bptt",
        "temperature", "top-k", "truncated-bptt", "perplexity", "embedding-is-one-hot-matmul",
        "log-softmax-stability",
    ],
    "oz": [
        "training-loop", "zero-grad", "loss-per-step-vs-last-step", "backward", "optimizer-step",
        "print-plot-cadence", "lr-too-high", "plateau", "overfitting", "nn-rnn", "batch-first",
        "initial-hidden-state", "sgd-vs-adam", "no-grad", "eval-train-modes", "hidden-state-shape",
        "time-series-prediction", "teacher-forcing", "chronological-holdout", "sum-vs-mean-loss",
    ],
    "frankenstein": [
        "elman-network", "vanishing-gradients", "exploding-gradients", "gradient-clipping",
        "long-term-dependencies", "lstm-gates", "lstm-standard-gate-names", "gru", "gru-cheaper",
        "parameter-counts",
    ],
    "frankenstein-longest-question": [
        "bidirectional", "bidirectional-cannot-generate", "lstm-gru-shapes", "output-last-trap", "packing",
        "contiguous-view", "dropout-between-layers", "seq2seq", "attention",
    ],
}
"""Concept tags, one per idea the issues list for each story (issue 5; issue 15 added truncated BPTT,
perplexity, teacher forcing, seq2seq and attention...). Steps name them in `teaches`."""


@pytest.fixture(scope="module")
def library():
    lib = load_library(roots=[builtin_dir()])
    assert not lib.problems, "\n".join(map(str, lib.problems))
    return lib


@pytest.mark.parametrize("lesson_id", sorted(CONCEPTS))
def test_every_concept_is_taught_by_some_step(library, lesson_id):
    lesson = library.lessons[lesson_id]
    taught = {tag for step in lesson.steps for tag in step.teaches}
    missing = [c for c in CONCEPTS[lesson_id] if c not in taught]
    assert not missing, f"{lesson_id}: no step teaches {missing}"


@pytest.mark.parametrize("lesson_id", sorted(CONCEPTS))
def test_a_lesson_has_a_story_quizzes_and_live_training(library, lesson_id):
    lesson = library.lessons[lesson_id]
    kinds = [step.kind for step in lesson.steps]
    quizzes = [s for s in lesson.steps if s.kind == "quiz"]
    assert len(quizzes) >= 4
    assert all(q.hints and q.explanation for q in quizzes), "every quiz has hints and an explanation"
    assert kinds.count("train") >= 1
    same_story = [s for other in library.lessons.values() if other.story == lesson.story for s in other.steps]
    assert sum(s.kind == "train" for s in same_story) >= 2, "a story trains at least twice (over its lessons)"
    assert all(s.goal is not None for s in lesson.steps if s.kind == "train"), "every run has a goal"
    assert kinds[0] == "story" and kinds[-1] == "story", "the story opens the lesson and ends it"
    measured = minutes(lesson)
    assert 20 <= measured <= 45, f"{lesson_id}: about {measured:.0f} minutes; over 45, split it (issue 15)"
    assert estimate_problem(lesson) is None, estimate_problem(lesson)
    assert any(getattr(s, "diagram", None) for s in lesson.steps), "a diagram drawn in text"
    explains = [s for s in lesson.steps if s.kind == "explain"]
    assert any("```python" in s.text for s in explains), "code a learner can paste into Python"


def test_the_oz_lesson_asks_the_hidden_state_shape_of_a_batch_first_gru(library):
    quizzes = [s for s in library.lessons["oz"].steps if s.kind == "quiz" and s.answer is not None]
    shapes = [q for q in quizzes if q.answer.type == "shape" and q.answer.value.replace(" ", "") == "(1,3,20)"]
    assert shapes, "the GRU(input_size=100, hidden_size=20, num_layers=1, batch_first) quiz, batches of 3"
    assert "batch_first" in shapes[0].question and "20" in shapes[0].question


def test_the_race_lets_the_learner_choose_how_far_back_to_remember(library):
    race = [s for s in library.lessons["frankenstein"].steps if s.kind == "train" and s.task == "recall"]
    assert race, "the memory race is a recall step"
    step = race[0]
    assert set(step.tunable["cell"].choices) == {"rnn", "lstm", "gru"}
    assert "gap" in step.tunable


def _python_blocks():
    """Every ```python block of every explain step: the code a learner is told they can paste."""
    lib = load_library(roots=[builtin_dir()])
    for lesson_id, lesson in sorted(lib.lessons.items()):
        for step in lesson.steps:
            if step.kind != "explain":
                continue
            for n, block in enumerate(re.findall(r"```python\n(.*?)```", step.text, flags=re.S)):
                yield pytest.param(textwrap.dedent(block), id=f"{lesson_id}/{step.id}#{n}")


@pytest.mark.slow
@pytest.mark.parametrize("code", list(_python_blocks()))
def test_the_code_in_every_explain_step_runs_as_pasted(code, tmp_path):
    """Pasted into a fresh Python (as a learner would), the block runs to the end without an error."""
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=180, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, f"the block failed:\n{done.stderr[-2000:]}"
    assert done.stdout.strip(), "the block prints what the step tells the learner to notice"


def _prose(value, path=""):
    """Every Markdown string in a lesson (diagrams are drawn verbatim, so they are left out)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "diagram":
                yield from _prose(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _prose(item, f"{path}[{n}]")
    elif isinstance(value, str):
        yield path, value


@pytest.mark.parametrize("lesson_id", sorted(CONCEPTS))
def test_arithmetic_in_prose_is_not_swallowed_as_emphasis(lesson_id):
    """`16*8 + 16*16` outside backticks renders as "168 + 1616" with the middle in italics."""
    raw = yaml.safe_load((builtin_dir() / lesson_id / "lesson.yaml").read_text(encoding="utf-8"))
    bad = []
    for path, text in _prose(raw):
        plain = re.sub(r"`[^`]*`", "", re.sub(r"```.*?```", "", text, flags=re.S))
        bad += [f"{path}: ...{plain[max(0, m.start() - 20):m.end() + 20]}..." for m in re.finditer(r"\w\*\w", plain)]
    assert not bad, "wrap it in backticks:\n" + "\n".join(bad)


def test_a_split_lesson_reads_the_same_corpus_and_takes_its_progress_along(library):
    """Frankenstein's two halves each ship the journal (a lesson reads only inside its own folder);
    the copies must not drift, and the second half names the first in `formerly`."""
    first, second = (builtin_dir() / name / "corpus.txt" for name in ("frankenstein", "frankenstein-longest-question"))
    assert first.read_bytes() == second.read_bytes()
    later = library.lessons["frankenstein-longest-question"]
    assert later.formerly == ["frankenstein"] and later.requires == ["frankenstein"]
    assert not {s.id for s in later.steps} & {s.id for s in library.lessons["frankenstein"].steps}


def test_the_picker_lists_the_lessons_in_order_and_says_what_to_take_first(library, tmp_path):
    import asyncio

    from tutor.app import TutorApp
    from tutor.widgets.lesson_card import LessonCard

    async def scenario():
        app = TutorApp(library=library, progress_path=tmp_path / "p.json", settings_path=tmp_path / "s.json",
                       warm=False)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            cards = list(app.screen.query(LessonCard))
            assert [c.lesson_id for c in cards] == ["dracula", "oz", "frankenstein", "frankenstein-longest-question"]
            text = {c.lesson_id: "".join(seg.text for seg in app.console.render(c.render())) for c in cards}
            assert "after" not in text["dracula"]
            assert "after Dracula: the creature" in text["oz"] and "after Oz and the magical" in text["frankenstein"]
            assert "after Frankenstein's failing memory" in text["frankenstein-longest-question"]
            await pilot.click(f"#card-frankenstein")  # any lesson still opens, whatever came first
            await pilot.pause()
            assert app.screen.lesson.id == "frankenstein"

    asyncio.run(scenario())
