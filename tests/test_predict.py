"""A train step's prediction: its format's checks and the verdict on a finished (or stopped) run."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tutor.lesson.format import TrainStep
from tutor.lesson.predict import judge


def step(**predict_and_more):
    base = {"kind": "train", "id": "race", "title": "t", "task": "recall",
            "budget": {"max_steps": 100, "max_seconds": 10}, "tunable": {"cell": {"choices": ["rnn", "lstm", "gru"]}},
            "goal": {"metric": "accuracy", "threshold": 0.9}}
    return TrainStep.model_validate({**base, **predict_and_more})


def run(reached_at: float | None, accuracy: float, stopped_by: str = "max_seconds") -> dict:
    return {"goal": {"reached": None if reached_at is None else {"step": 10, "seconds": reached_at}},
            "metrics": {"accuracy": accuracy}, "val_loss": 1.0, "stopped_by": stopped_by}


RACE = {"question": "Which cell reaches 90% first?", "choices": [
    {"text": "rnn", "held": {"first": "rnn"}},
    {"text": "a gated cell", "held": {"first": ["lstm", "gru"]}},
    {"text": "none", "held": {"first": "none"}},
    {"text": "the rnn misses the goal", "held": {"goal": "missed", "lane": "rnn"}},
    {"text": "the rnn ends above 50%", "held": {"metric": "accuracy", "above": 0.5, "lane": "rnn"}},
], "why": "The gates keep the symbol."}


def test_the_verdict_names_what_held_for_every_choice():
    predict = step(predict=RACE).predict
    summaries = {"rnn": run(None, 0.31), "lstm": run(12.0, 0.95, "goal"), "gru": run(9.5, 0.93, "goal")}
    verdict = judge(predict, 0, summaries)
    assert verdict.held is False
    assert verdict.outcomes == [False, True, False, True, False]
    line = verdict.line(predict)
    assert line.startswith("Your prediction did not hold: rnn.") and "a gated cell" in line
    assert judge(predict, 1, summaries).line(predict) == "Your prediction held: a gated cell."


def test_a_run_stopped_early_leaves_a_prediction_untested_not_wrong():
    predict = step(predict=RACE).predict
    stopped = {name: run(None, 0.4, "stopped") for name in ("rnn", "lstm", "gru")}
    verdict = judge(predict, 2, stopped)
    assert verdict.held is None and "could not tell" in verdict.line(predict)
    assert verdict.outcomes == [None, None, None, None, None]
    # ...but a goal reached before the stop is a fact.
    stopped["gru"] = run(4.0, 0.95, "stopped")
    assert judge(predict, 1, stopped).held is True


def single_run(task: str, goal: dict, last: dict, **data):
    """A one-run step predicting: the goal reached, the goal missed, and `last` (a metric condition)."""
    return TrainStep.model_validate({
        "kind": "train", "id": "s", "title": "t", "task": task, "data": data,
        "budget": {"max_steps": 100, "max_seconds": 10}, "goal": goal,
        "predict": {"question": "q", "choices": [{"text": "reaches", "held": {"goal": "reached"}},
                                                 {"text": "misses", "held": {"goal": "missed"}},
                                                 {"text": "last", "held": last}]}}).predict


def test_goal_and_metric_conditions_on_a_single_run():
    predict = single_run("char-lm", {"metric": "val_loss", "threshold": 1.5},
                         {"metric": "val_loss", "below": 1.2}, corpus="c.txt")
    finished = {"run": {"goal": {"reached": None}, "metrics": {}, "val_loss": 1.61, "stopped_by": "max_seconds"}}
    assert judge(predict, 1, finished).outcomes == [False, True, False]
    done = {"run": {"goal": {"reached": {"step": 5, "seconds": 3.0}}, "metrics": {}, "val_loss": 1.1,
                    "stopped_by": "goal"}}
    assert judge(predict, 0, done).outcomes == [True, False, True]


@pytest.mark.parametrize("predict,message", [
    ({"question": "q", "choices": [{"text": "a", "held": {"first": "elman"}}, {"text": "b", "held": {"first": "none"}}]},
     "'elman' is not one of rnn, lstm, gru, none"),
    ({"question": "q", "choices": [{"text": "a", "held": {"metric": "mse", "below": 1}},
                                   {"text": "b", "held": {"goal": "reached"}}]},
     "the recall task reports"),
    ({"question": "q", "choices": [{"text": "a", "held": {"metric": "accuracy"}}, {"text": "b", "held": {"goal": "missed"}}]},
     "say below or above"),
    ({"question": "q", "choices": [{"text": "a", "held": {}}, {"text": "b", "held": {"goal": "missed"}}]},
     "give goal, metric or first"),
    ({"question": "q", "choices": [{"text": "only one", "held": {"goal": "missed"}}]}, "at least 2"),
])
def test_a_prediction_that_cannot_be_judged_is_refused(predict, message):
    with pytest.raises(ValidationError, match=message):
        step(predict=predict)


def test_first_needs_a_race():
    with pytest.raises(ValidationError, match="only a race"):
        step(tunable={}, predict={"question": "q", "choices": [{"text": "a", "held": {"first": "rnn"}},
                                                               {"text": "b", "held": {"goal": "missed"}}]})


def test_a_diverged_run_is_an_outcome_the_goal_missed_and_the_loss_above_any_line():
    predict = single_run("regress", {"metric": "mse", "threshold": 0.03}, {"metric": "mse", "above": 1.0})
    diverged = {"run": {"goal": {"reached": None}, "metrics": {}, "val_loss": None, "stopped_by": None,
                        "failed": {"kind": "diverged", "message": "the loss became nan at step 19"}}}
    assert judge(predict, 1, diverged).outcomes == [False, True, True]
    crashed = {"run": {**diverged["run"], "failed": {"kind": "error", "message": "a bug"}}}
    assert judge(predict, 1, crashed).outcomes == [None, None, None]  # a crash says nothing about the idea
