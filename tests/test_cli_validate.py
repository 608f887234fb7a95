"""`rnn-tutor validate` through a subprocess."""

import subprocess
import sys

from test_lesson_load import GOOD


def validate(*paths):
    return subprocess.run([sys.executable, "-m", "tutor.cli", "validate", *map(str, paths)],
                          capture_output=True, text=True, timeout=60)


def test_good_and_bad_lessons(tmp_path):
    good = tmp_path / "good" / "lesson.yaml"
    good.parent.mkdir()
    good.write_text(GOOD)
    bad = tmp_path / "bad" / "lesson.yaml"
    bad.parent.mkdir()
    bad.write_text(GOOD.replace("lr: 0.003", "lerning_rate: 0.003").replace("max_steps: 100", "max_steps: -5"))

    ok = validate(good)
    assert ok.returncode == 0 and "ok (demo: 5 steps, about " in ok.stdout

    both = validate(tmp_path)  # a folder: every lesson.yaml below it; the good one still loads
    assert both.returncode == 1
    assert f"{good}: ok" in both.stdout
    lines = [l for l in both.stdout.splitlines() if l.startswith(str(bad))]
    assert len(lines) == 2
    assert any(":33:" in l and "settings.lerning_rate" in l and "did you mean 'lr'?" in l for l in lines)
    assert any("budget.max_steps: input should be greater than 0 (got -5)" in l for l in lines)
    assert "Traceback" not in both.stderr


def test_missing_path():
    result = validate("/no/such/lesson.yaml")
    assert result.returncode == 1 and "no such file or folder" in result.stderr


def test_requires_must_resolve(tmp_path):
    lesson = tmp_path / "later" / "lesson.yaml"
    lesson.parent.mkdir()
    lesson.write_text(GOOD.replace("id: demo", "id: later").replace(
        "estimated_minutes: 5", "estimated_minutes: 5\nrequires: [dracula, nowhere]"))
    result = validate(lesson)
    assert result.returncode == 1
    line = next(n for n, text in enumerate(lesson.read_text().splitlines(), 1) if text.startswith("requires:"))
    # Where: the line of `requires`, the column of the missing id in its flow list.
    assert f"{lesson}:{line}:21: requires[1]: no lesson with the id 'nowhere'" in result.stdout
    assert "'dracula'" not in result.stdout  # the built-in lesson is on the search path


def test_a_requires_cycle_is_reported_where_it_starts(tmp_path):
    for name, needs in (("first", "second"), ("second", "first")):
        lesson = tmp_path / name / "lesson.yaml"
        lesson.parent.mkdir()
        lesson.write_text(GOOD.replace("id: demo", f"id: {name}").replace(
            "estimated_minutes: 5", f"estimated_minutes: 5\nrequires:\n  - dracula\n  - {needs}"))
    result = validate(tmp_path)
    assert result.returncode == 1
    for name, needs in (("first", "second"), ("second", "first")):
        file = tmp_path / name / "lesson.yaml"
        line = file.read_text().splitlines().index(f"  - {needs}") + 1
        assert (f"{file}:{line}:5: requires: lessons that require each other can never be started: "
                f"{name} -> {needs} -> {name}") in result.stdout


def test_an_estimate_far_from_the_lessons_length_is_a_warning_not_an_error(tmp_path):
    lesson = tmp_path / "long" / "lesson.yaml"
    lesson.parent.mkdir()
    lesson.write_text(GOOD.replace("estimated_minutes: 5", "estimated_minutes: 90"))
    result = validate(lesson)
    assert result.returncode == 0, result.stdout
    assert "estimated_minutes: warning: says 90 minutes" in result.stdout
