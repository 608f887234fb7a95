import math

import pytest
import torch

from models.catalog import CELLS, Goal, SettingError
from models.devices import DeviceError, resolve_device
from models.trainer import CheckpointError, Trainer

TINY = {"hidden": 16}


def run(task, overrides=None, corpus=None, names=None, steps=40, **kw):
    events = []
    trainer = Trainer(task, {**TINY, **(overrides or {})}, device="cpu", max_steps=steps,
                      corpus=corpus, names=names, on_event=events.append, **kw)
    return trainer, trainer.run(), events


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("task", ["char-lm", "classify", "regress", "recall"])
def test_every_task_and_cell_trains_and_reports(task, cell, corpus_file):
    """Built-in names for classify: the tiny fixture folder over-fits within a few steps."""
    overrides = {"cell": cell}
    if task == "char-lm":
        overrides |= {"seq": 16, "batch": 8}
    if task == "recall":
        overrides |= {"gap": 3}
    trainer, summary, events = run(task, overrides, corpus=corpus_file, steps=60,
                                   evals=3)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert "eval" in kinds and "sample" in kinds
    assert summary["failed"] is None
    assert summary["steps"] == 60 and summary["stopped_by"] == "max_steps"
    evals = [e for e in events if e["event"] == "eval"]
    assert len(evals) == 3  # at 1/3 and 2/3 of the budget, and at the end
    assert evals[-1]["val_loss"] < evals[0]["val_loss"]  # a few steps lower the loss
    assert math.isfinite(summary["items_per_second"]) and summary["items_per_second"] > 0


def test_summary_has_the_json_contract(corpus_file):
    _, summary, _ = run("char-lm", {"seq": 16, "batch": 8}, corpus=corpus_file, steps=10)
    for key in ("lesson", "step", "task", "device", "config", "steps", "seconds", "train_loss",
                "val_loss", "metrics", "items_per_second", "item", "goal", "passed", "samples"):
        assert key in summary
    assert summary["item"] == "chars"
    assert "word_rate" in summary["metrics"]
    assert isinstance(summary["samples"][-1]["text"], str)


def test_same_seed_same_run(names_dir):
    _, a, _ = run("classify", {"seed": 3}, names=names_dir, steps=25)
    t2, b, _ = run("classify", {"seed": 3}, names=names_dir, steps=25)
    _, c, _ = run("classify", {"seed": 4}, names=names_dir, steps=25)
    assert a["val_loss"] == b["val_loss"]
    assert a["val_loss"] != c["val_loss"]


def test_checkpoint_round_trip(tmp_path, corpus_file):
    ckpt = tmp_path / "run.pt"
    first, summary, _ = run("char-lm", {"seq": 16, "batch": 8}, corpus=corpus_file, steps=20,
                            checkpoint=ckpt)
    assert ckpt.exists() and not list(tmp_path.glob(".*.tmp"))
    resumed = Trainer("char-lm", {}, device="cpu", max_steps=5, corpus=corpus_file, resume=ckpt)
    assert resumed.step == 20
    assert resumed.config["hidden"] == 16  # the checkpoint's settings, not the defaults
    for a, b in zip(first.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(a, b)
    assert resumed.run()["steps"] == 25


def test_resume_rejects_what_does_not_fit(tmp_path, corpus_file, names_dir):
    ckpt = tmp_path / "run.pt"
    run("char-lm", {"seq": 16, "batch": 8}, corpus=corpus_file, steps=3, checkpoint=ckpt)
    with pytest.raises(CheckpointError, match="does not match the model"):
        Trainer("char-lm", {"hidden": 32}, device="cpu", corpus=corpus_file, resume=ckpt)
    with pytest.raises(CheckpointError, match="a char-lm checkpoint, not classify"):
        Trainer("classify", {}, device="cpu", names=names_dir, resume=ckpt)
    junk = tmp_path / "junk.pt"
    junk.write_text("hello")
    with pytest.raises(CheckpointError, match="not an rnn-tutor checkpoint"):
        Trainer("char-lm", {}, device="cpu", corpus=corpus_file, resume=junk)
    other = tmp_path / "other.txt"
    other.write_text("XYZ " * 400)
    with pytest.raises(Exception, match="characters the model does not know"):
        Trainer("char-lm", {}, device="cpu", corpus=other, resume=ckpt)


def test_nan_guard_stops_with_a_plain_reason():
    _, summary, events = run("regress", {"lr": 10.0, "optimizer": "sgd", "clip": 0.0,
                                         "schedule": "constant", "cell": "rnn"}, steps=200)
    assert summary["failed"]["kind"] == "diverged"
    assert "exploded" in summary["failed"]["message"]
    assert "clip=1" in summary["failed"]["message"]
    assert any(e["event"] == "failed" for e in events)
    assert summary["steps"] < 200


def test_budget_in_seconds_is_enforced(names_dir):
    trainer = Trainer("classify", TINY, device="cpu", max_seconds=1.0, names=names_dir)
    summary = trainer.run()
    assert summary["stopped_by"] == "max_seconds"
    assert 1.0 <= summary["seconds"] < 2.5


def test_goal_and_stop_at_goal(names_dir):
    _, summary, events = run("classify", {"lr": 0.01}, names=names_dir, steps=400,
                             goal=Goal("accuracy", 0.0), stop_at_goal=True)
    assert summary["passed"] is True
    assert summary["stopped_by"] == "goal"
    assert any(e["event"] == "goal" for e in events)


def test_live_settings_change_a_running_job(corpus_file):
    trainer = Trainer("char-lm", {**TINY, "seq": 16, "batch": 8}, device="cpu", max_steps=2,
                      corpus=corpus_file)
    trainer.set("temperature", 0.3)
    assert trainer.config["temperature"] == 0.3
    with pytest.raises(SettingError, match="cannot change while running"):
        trainer.set("hidden", 64)
    with pytest.raises(SettingError, match="must be greater than 0"):
        trainer.set("temperature", 0)


def test_bad_settings_are_named():
    with pytest.raises(SettingError, match="unknown task 'translate'"):
        Trainer("translate", {})
    with pytest.raises(SettingError, match="cell: must be one of rnn, lstm, gru, elman, lstm-cell"):
        Trainer("recall", {"cell": "transformer"})
    with pytest.raises(SettingError, match="gap: does not apply to the char-lm task"):
        Trainer("char-lm", {"gap": 3})


def test_devices():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="not available"):
            resolve_device("cuda:0")
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        resolve_device("tpu")


def test_generation_respects_length_prompt_and_top_k(corpus_file):
    trainer, _, _ = run("char-lm", {"seq": 16, "batch": 8}, corpus=corpus_file, steps=30)
    task = trainer.task
    with torch.no_grad():
        text = task.generate("The count", 50, temperature=0.5, top_k=1)
        again = task.generate("The count", 50, temperature=0.5, top_k=1)
    assert len(text) == 50 and set(text) <= set(task.vocab.chars)
    assert text == again  # top_k=1 is greedy: the same continuation every time
    assert len(task.warm_up) <= 200


def test_classifier_predicts_top3_for_any_typed_name():
    trainer, _, _ = run("classify", {}, steps=5)
    guesses = trainer.task.predict(["Rossi", "Nguyễn", ""])
    assert len(guesses) == 3
    for top3 in guesses:
        assert len(top3) == 3
        assert all(c in trainer.task.classes for c, _ in top3)
        probs = [p for _, p in top3]
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001


def test_char_lm_evaluation_matches_reading_the_text_in_one_stream(corpus_file):
    """Parallel columns with a burn-in score the same as one long pass over the held-out text."""
    from torch.nn import functional as F

    trainer, _, _ = run("char-lm", {"seq": 16, "batch": 8}, corpus=corpus_file, steps=60)
    task = trainer.task
    trainer.model.eval()
    with torch.no_grad():
        val = task.val_data
        logits, _ = trainer.model(val[:-1].unsqueeze(0))
        one_stream = F.cross_entropy(logits[0], val[1:]).item()
        metrics, _ = task.evaluate(final=True)
    assert metrics["val_loss"] == pytest.approx(one_stream, abs=0.05)
