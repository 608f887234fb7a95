"""Shareable runs: the one-line recipe (format, parse, replay) and the CSV of a run's curve."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from models.catalog import SettingError, resolve_config
from tutor.share import curve_csv, format_recipe, join_csv, parse_recipe

CLI = [sys.executable, "-m", "tutor.cli"]


def train(*args, timeout=120):
    return subprocess.run([*CLI, "train", *args], capture_output=True, text=True, timeout=timeout)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_recipe_names_every_setting_and_reads_back_to_the_same_values():
    config = resolve_config("char-lm", {"prompt": "The Count's \"door\"", "lr": 0.0003, "temperature": 0.7})
    text = format_recipe("dracula/learn-to-speak", config, "cpu")
    assert "\n" not in text and text.startswith("dracula/learn-to-speak ")
    assert text.endswith("device=cpu") and "seed=0" in text
    recipe = parse_recipe(text)
    assert recipe.target == "dracula/learn-to-speak" and recipe.device == "cpu"
    assert set(recipe.assignments) == set(config)  # every setting, not only the changed ones
    assert recipe.settings("char-lm") == config  # floats, bools and a quoted prompt survive


def test_a_race_recipe_lists_its_cells_and_a_learner_cell_names_its_file():
    config = resolve_config("recall", {"gap": 100})
    text = format_recipe("frankenstein/memory-race", config, "cpu", cells=["rnn", "lstm", "gru"])
    recipe = parse_recipe(text)
    assert recipe.cells == ["rnn", "lstm", "gru"]
    assert recipe.settings("recall", "gru")["cell"] == "gru"
    mine = parse_recipe(format_recipe("dracula/visitors", resolve_config("classify", {}), "cpu",
                                      learner_cell={"file": "/home/mina/my cell.py", "entry": "CreatureCell"}))
    assert mine.learner_cell == {"file": "/home/mina/my cell.py", "entry": "CreatureCell"}


@pytest.mark.parametrize("text, says", [
    ("", "empty"),
    ("lr=0.1 dracula/visitors", "must start with lesson/step"),
    ("dracula/visitors lerning_rate=0.1", "lerning_rate: not a setting"),
    ("dracula/visitors hiden=3", "hiden: not a setting; did you mean 'hidden'"),
    ("dracula/visitors lr=0.1 lr=0.2", "lr is given twice"),
    ("dracula/visitors hidden", "expected key=value"),
    ("dracula/visitors prompt='unclosed", "paste it whole"),
    ("dracula/visitors code=cell.py", "go together"),
])
def test_a_broken_recipe_says_what_is_wrong(text, says):
    with pytest.raises(SettingError, match=says):
        parse_recipe(text)


def test_the_csv_has_a_row_per_step_and_evaluations_on_their_steps():
    text = curve_csv([2.5, 2.0, 1.5, 1.25], first_step=10, evals=[(12, 1.9, 0.4), (14, 1.6, None)])
    table = rows(text)
    assert [r["step"] for r in table] == ["11", "12", "13", "14"]
    assert float(table[1]["val_loss"]) == 1.9 and float(table[1]["metric"]) == 0.4
    assert table[0]["val_loss"] == "" and table[3]["metric"] == ""
    both = join_csv([curve_csv([1.0], 0, [], cell="rnn"), curve_csv([2.0], 0, [], cell="lstm")])
    assert both.splitlines() == ["cell,step,train_loss,val_loss,metric", "rnn,1,1.0,,", "lstm,1,2.0,,"]


@pytest.mark.slow
def test_replaying_a_printed_recipe_on_cpu_reproduces_the_loss_curve(tmp_path):
    first = train("dracula/visitors", "--device", "cpu", "--max-steps", "60", "--set", "lr=0.01",
                  "--json", "--csv", str(tmp_path / "first.csv"))
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout.strip().splitlines()[-1])
    recipe = summary["recipe"]
    assert recipe.startswith("dracula/visitors ") and "lr=0.01" in recipe and "device=cpu" in recipe
    assert "recipe: dracula/visitors" in first.stderr  # printed for a person too
    # Evaluations at other steps must not disturb the training stream: replay with a different
    # evaluation cadence and compare every step's loss.
    again = train("--recipe", recipe, "--max-steps", "60", "--evals", "3", "--csv", str(tmp_path / "again.csv"))
    assert again.returncode == 0, again.stderr
    assert "curve written to" in again.stdout
    a, b = rows((tmp_path / "first.csv").read_text()), rows((tmp_path / "again.csv").read_text())
    assert len(a) == 60 and [r["train_loss"] for r in a] == [r["train_loss"] for r in b]
    assert len({r["train_loss"] for r in a}) > 30  # a real curve, not a constant
    evaluated = [r for r in a if r["val_loss"]]
    assert len(evaluated) >= 5 and all(r["metric"] for r in evaluated)  # the goal metric: accuracy
    # A different seed is a different run.
    other = train("--recipe", recipe.replace("seed=0", "seed=1"), "--max-steps", "60",
                  "--csv", str(tmp_path / "other.csv"))
    assert other.returncode == 0, other.stderr
    assert [r["train_loss"] for r in rows((tmp_path / "other.csv").read_text())] != [r["train_loss"] for r in a]


def test_a_race_recipe_trains_each_cell_in_turn_into_one_csv(tmp_path):
    recipe = format_recipe("recall", resolve_config("recall", {"gap": 5, "hidden": 16, "batch": 16}), "cpu",
                           cells=["rnn", "gru"])
    result = train("--recipe", recipe, "--max-steps", "12", "--csv", str(tmp_path / "race.csv"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("recipe: recall cell=rnn") == 1 and result.stdout.count("recipe: recall cell=gru") == 1
    table = rows((tmp_path / "race.csv").read_text())
    assert [r["cell"] for r in table] == ["rnn"] * 12 + ["gru"] * 12


@pytest.mark.parametrize("args, says", [
    (["--recipe", "nowhere/step seed=0"], "no lesson 'nowhere'"),
    (["--recipe", "dracula/visitors gap=5"], "gap: does not apply to the classify task"),
    (["--recipe", "dracula/visitors hidden=-3"], "hidden"),
    (["char-lm", "--recipe", "recall seed=0"], "give no TASK"),
    ([], "say what to train"),
])
def test_bad_recipes_on_the_command_line_exit_2_with_the_reason(args, says):
    result = train(*args)
    assert result.returncode == 2
    assert says in result.stderr
