"""The author's commands: new, validate, check, through a subprocess."""

import subprocess
import sys

import jsonschema
import yaml

from tutor.lesson.schema import lesson_schema


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "tutor.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def test_new_then_validate_then_check(tmp_path):
    made = cli("new", "demo", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    lesson = tmp_path / "demo" / "lesson.yaml"
    text = lesson.read_text()
    assert text.startswith("# yaml-language-server: $schema=") and "lesson.schema.json" in text
    kinds = {step["kind"] for step in yaml.safe_load(text)["steps"]}
    assert kinds == {"story", "explain", "quiz", "code", "train"}
    jsonschema.validate(yaml.safe_load(text), lesson_schema(), cls=jsonschema.Draft7Validator)

    valid = cli("validate", "demo", cwd=tmp_path)
    assert valid.returncode == 0 and valid.stdout.endswith("ok (demo: 5 steps, about 11 min)\n")  # no warning

    untrusted = cli("check", "demo", "--steps", "3", cwd=tmp_path)  # its solution is Python from here
    assert untrusted.returncode == 1 and "not run:" in untrusted.stdout and "--trust" in untrusted.stdout
    assert "solution passes" not in untrusted.stdout
    checked = cli("check", "demo", "--steps", "3", "--trust", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "demo/first-run: trains (recall, 3 steps" in checked.stdout

    again = cli("new", "demo", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    bad_id = cli("new", "My Lesson", cwd=tmp_path)
    assert bad_id.returncode == 2 and "not a lesson id" in bad_id.stderr


def test_check_reports_a_step_that_cannot_train(tmp_path):
    cli("new", "demo", cwd=tmp_path)
    lesson = tmp_path / "demo" / "lesson.yaml"
    lesson.write_text(lesson.read_text().replace("task: recall", "task: char-lm\n    data: {corpus: tiny.txt}")
                      .replace("{cell: lstm, gap: 20}", "{cell: lstm}")
                      .replace("metric: accuracy, threshold: 0.9", "metric: val_loss, threshold: 1.5"))
    (tmp_path / "demo" / "tiny.txt").write_text("too short")
    checked = cli("check", "demo", cwd=tmp_path)
    assert checked.returncode == 1
    assert "steps.first-run: cannot start:" in checked.stdout and "too short" in checked.stdout


def test_check_trains_the_shipped_solution_at_then_train_to_the_learners_goal(tmp_path, names_dir, capsys):
    """A learner who wrote the right cell must not be told they failed: `check` trains the solution
    where "Train your cell" would, and fails when it cannot reach the goal the learner is given."""
    import shutil
    from pathlib import Path

    from test_lesson_load import GOOD  # noqa: F401  (the format's example lives there)

    code = Path(__file__).resolve().parent.parent / "lessons" / "dracula" / "code"
    folder = tmp_path / "cell"
    (folder / "code").mkdir(parents=True)
    for name in ("cell_starter.py", "cell_solution.py"):
        shutil.copy(code / name, folder / "code" / name)
    shutil.copytree(names_dir, folder / "names")

    def lesson(goal: float) -> str:
        return f"""schema_version: 1
id: cell
title: A cell
story: s
summary: s
estimated_minutes: 9
steps:
  - kind: code
    id: write
    title: Write it
    text: Write the cell.
    starter: code/cell_starter.py
    solution: code/cell_solution.py
    entry: CreatureCell
    init: [57, 8, 3]
    then_train: guess
    then_train_goal: {{metric: accuracy, threshold: {goal}}}
    checks:
      - {{kind: import, name: CreatureCell}}
      - {{kind: shape, inputs: ["(1, 57)", "(1, 8)"], outputs: ["(1, 3)", "(1, 8)"]}}
  - kind: train
    id: guess
    title: Guess
    task: classify
    data: {{names: names}}
    settings: {{cell: gru, hidden: 8, batch: 8}}
    budget: {{max_steps: 30, max_seconds: 30}}
    evals: 3
    goal: {{metric: accuracy, threshold: 0.99}}
"""

    (folder / "lesson.yaml").write_text(lesson(1.0))  # out of reach in 30 steps
    failed = cli("check", folder, "--steps", "3", "--trust")
    assert failed.returncode == 1
    assert "steps.write.then_train: the solution does not reach accuracy 1 at guess within its budget" in failed.stdout
    # Within reach: the learner's goal (0.01), not the step's own 0.99. In process: the same function.
    from tutor.authoring import check_then_train
    from tutor.lesson.load import load_lesson

    (folder / "lesson.yaml").write_text(lesson(0.01))
    loaded, problems = load_lesson(folder / "lesson.yaml")
    assert not problems
    assert check_then_train(folder / "lesson.yaml", loaded, loaded.steps[0])
    assert "steps.write.then_train: the solution reaches accuracy 0.01 at guess (step " in capsys.readouterr().out
