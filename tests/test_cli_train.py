"""`rnn-tutor train` through a real subprocess, as a user or a script runs it."""

import json
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "tutor.cli"]


def train(*args, timeout=120):
    return subprocess.run([*CLI, "train", *args], capture_output=True, text=True, timeout=timeout)


def test_json_summary_is_the_last_line(corpus_file):
    result = train("char-lm", "--corpus", str(corpus_file), "--max-steps", "15", "--set", "hidden=16",
                   "--set", "seq=16", "--set", "batch=8", "--device", "cpu", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["task"] == "char-lm" and summary["device"] == "cpu"
    assert summary["steps"] == 15 and summary["item"] == "chars"
    assert summary["config"]["hidden"] == 16
    assert summary["val_loss"] > 0 and summary["items_per_second"] > 0
    assert summary["samples"] and "text" in summary["samples"][-1]
    assert summary["goal"]["metric"] == "val_loss"
    # The progress bar and samples go to stderr with --json, so stdout stays parseable.
    assert len(result.stdout.strip().splitlines()) == 1


def test_human_output_shows_samples_chart_and_summary(names_dir):
    result = train("classify", "--names", str(names_dir), "--max-steps", "30", "--set", "hidden=16")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Training classify on" in out
    assert "guesses at step" in out and "->" in out
    assert "loss" in out and "balanced_accuracy" in out and "stopped by" in out


def test_checkpoint_then_resume(tmp_path):
    ckpt = tmp_path / "recall.pt"
    first = train("recall", "--max-steps", "10", "--set", "hidden=8", "--set", "gap=4",
                  "--checkpoint", str(ckpt), "--json")
    assert first.returncode == 0, first.stderr
    again = train("recall", "--max-steps", "5", "--resume", str(ckpt), "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout.splitlines()[-1])
    assert summary["steps"] == 15 and summary["config"]["hidden"] == 8


def test_settings_help_lists_every_setting():
    result = train("recall", "--set", "help")
    assert result.returncode == 0
    for key in ("cell", "hidden", "gap", "lr", "clip", "seed"):
        assert key in result.stdout


def _binary(tmp_path):
    p = tmp_path / "weights.bin"
    p.write_bytes(bytes(range(256)) * 10)
    return p


def _latin1(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes(("d\xe9j\xe0 vu " * 200).encode("latin-1"))
    return p


def _empty(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_text("")
    return p


def _empty_dir(tmp_path):
    d = tmp_path / "no-names"
    d.mkdir()
    return d


def _not_a_checkpoint(tmp_path):
    p = tmp_path / "fake.pt"
    p.write_text("definitely not a checkpoint")
    return p


BAD = [
    (["translate"], "unknown task 'translate'"),
    (["recall", "--set", "cell=transformer"], "cell: must be one of"),
    (["recall", "--set", "hiddn=64"], "hiddn: unknown setting"),
    (["recall", "--set", "hidden=big"], "hidden: expected an integer"),
    (["recall", "--set", "lr=-1"], "lr: must be greater than 0"),
    (["recall", "--set", "temperature=2"], "temperature: does not apply to the recall task"),
    (["recall", "--device", "tpu"], "unknown device 'tpu'"),
    (["recall", "--device", "cuda:7"], "not available"),
    (["char-lm", "--corpus", "/no/such/file.txt"], "no such file"),
    (["char-lm", "--corpus", _empty], "the file is empty"),
    (["char-lm", "--corpus", _binary], "binary"),
    (["char-lm", "--corpus", _latin1], "not UTF-8"),
    (["classify", "--names", _empty_dir], "needs at least two <Class>.txt files"),
    (["recall", "--resume", _not_a_checkpoint], "not an rnn-tutor checkpoint"),
    (["recall", "--corpus", "x.txt"], "--corpus is for the char-lm task"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(map(str, a))[:40] for a, _ in BAD])
def test_bad_input_is_one_clear_line_and_exit_2(args, message, tmp_path):
    args = [str(a(tmp_path)) if callable(a) else a for a in args]
    result = train(*args, "--max-steps", "3")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.pt.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_divergence_exits_1_with_advice():
    result = train("regress", "--max-steps", "300", "--set", "lr=10", "--set", "optimizer=sgd",
                   "--set", "clip=0", "--set", "cell=rnn", "--set", "schedule=constant")
    assert result.returncode == 1
    assert "exploded" in result.stdout and "clip=1" in result.stdout


def test_train_a_lesson_step_uses_its_settings():
    result = train("dracula/visitors", "--max-steps", "20", "--device", "cpu", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert (summary["lesson"], summary["step"], summary["task"]) == ("dracula", "visitors", "classify")
    assert summary["config"]["hidden"] == 128 and summary["goal"]["metric"] == "accuracy"


def test_a_lesson_step_only_takes_its_tunables():
    result = train("dracula/visitors", "--set", "hidden=64", "--max-steps", "2")
    assert result.returncode == 2
    assert "hidden: not tunable in dracula/visitors (tunable: cell, lr)" in result.stderr
    outside = train("dracula/visitors", "--set", "cell=lstm-cell", "--max-steps", "2")
    assert outside.returncode == 2 and "cell: this step allows elman, rnn, gru, lstm" in outside.stderr
    missing = train("dracula/nowhere", "--max-steps", "2")
    assert missing.returncode == 2 and "its train steps: visitors, learn-to-speak" in missing.stderr
