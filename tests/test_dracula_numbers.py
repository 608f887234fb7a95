"""The numbers the Dracula lesson prints about its own corpus are recomputed here from
lessons/dracula/corpus.txt, so editing the corpus (or the lesson) cannot leave them stale.

The vocabulary and the held-out split are the char-lm task's own (models/data/text.py): every
distinct character of the file, and the last tenth held out. The baselines are counted on the
training part and scored on the held-out part, as the lesson says; the bigram adds one to every
count so that a pair never seen in training still has a probability."""

from __future__ import annotations

import math
from collections import Counter

import pytest
import yaml

from models.data.text import CharCorpus, read_text
from tutor.lesson.search import builtin_dir

LESSON = builtin_dir() / "dracula"


@pytest.fixture(scope="module")
def lesson():
    return yaml.safe_load((LESSON / "lesson.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def measured():
    corpus = CharCorpus(read_text(LESSON / "corpus.txt"))
    v = len(corpus.vocab)
    train, val = corpus.train.tolist(), corpus.val.tolist()
    unigram = Counter(train)
    pairs = Counter(zip(train, train[1:]))
    rows = Counter(train[:-1])
    scored = list(zip(val, val[1:]))  # every held-out character that has one before it
    uni = -sum(math.log((unigram[b] + 1) / (len(train) + v)) for _, b in scored) / len(scored)
    bi = -sum(math.log((pairs[a, b] + 1) / (rows[a] + v)) for a, b in scored) / len(scored)
    best = {a: max(range(v), key=lambda b: pairs[a, b]) for a in range(v)}
    accuracy = sum(best[a] == b for a, b in scored) / len(scored)
    return {"vocab": v, "uniform": math.log(v), "unigram": uni, "bigram": bi, "accuracy": accuracy}


def _step(lesson, **where):
    key, value = next(iter(where.items()))
    steps = [s for s in lesson["steps"] if value in (s.get(key) or [])] if key == "teaches" else \
        [s for s in lesson["steps"] if s.get(key) == value]
    assert len(steps) == 1, f"expected one step with {key} {value!r}"
    return steps[0]


def _goal(lesson) -> float:
    speak = [s for s in lesson["steps"] if s["kind"] == "train" and s["task"] == "char-lm"]
    assert len(speak) == 1
    return float(speak[0]["goal"]["threshold"])


def test_the_perplexity_step_states_what_the_goal_means(lesson):
    text = _step(lesson, teaches="perplexity")["text"]
    goal = _goal(lesson)
    assert f"{goal:.2f}" in text
    assert f"{math.exp(goal):.2f}" in text, "perplexity e^goal"
    assert f"{goal / math.log(2):.2f}" in text, "bits per character"


def test_the_perplexity_step_states_the_corpus_baselines(lesson, measured):
    text = _step(lesson, teaches="perplexity")["text"]
    assert f"{measured['vocab']} of them" in text, "the vocabulary size, counted like the char-lm task"
    for name in ("uniform", "unigram", "bigram"):
        assert f"{measured[name]:.2f}" in text, f"{name} cross-entropy {measured[name]:.4f} nats per character"
    assert f"{100 * measured['accuracy']:.0f}%" in text, f"bigram accuracy {measured['accuracy']:.4f}"


def test_the_baselines_are_in_the_order_the_lesson_reads_them(measured):
    assert measured["uniform"] > measured["unigram"] > measured["bigram"]


def test_the_speaking_step_repeats_the_same_baselines(lesson, measured):
    text = _step(lesson, id="learn-to-speak")["text"]
    assert f"{measured['uniform']:.2f}" in text and f"{measured['bigram']:.2f}" in text
    assert f"{measured['vocab']} characters" in text


def test_the_story_says_how_often_one_letter_guesses_right(lesson, measured):
    """The bowl story: guessing from the current letter alone is right about one time in three."""
    assert "one time in three" in _step(lesson, id="the-bowl")["text"]
    assert round(1 / measured["accuracy"]) == 3
