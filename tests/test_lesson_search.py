"""The search path: built-in lessons, extra folders, duplicates and broken files."""

import json
import subprocess
import sys

from test_lesson_load import GOOD

from tutor.lesson.search import builtin_dir, load_library, search_path


def write(root, name, text):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "lesson.yaml").write_text(text)
    return folder / "lesson.yaml"


def test_extra_folders_and_env(tmp_path, monkeypatch):
    monkeypatch.setenv("RNN_TUTOR_LESSONS", str(tmp_path / "env"))
    roots = search_path([tmp_path / "extra"])
    assert roots[0] == builtin_dir() and roots[0].name == "lessons"
    assert roots[-2:] == [tmp_path / "extra", tmp_path / "env"]


def test_a_broken_lesson_does_not_stop_the_others(tmp_path, monkeypatch):
    monkeypatch.delenv("RNN_TUTOR_LESSONS", raising=False)
    good = write(tmp_path, "a-demo", GOOD)  # found first: folders load in name order
    write(tmp_path, "broken", GOOD.replace("id: demo", "id: other").replace("max_steps: 100", "max_steps: 0"))
    dup = write(tmp_path, "b-copy", GOOD)
    needs = write(tmp_path, "needs", GOOD.replace("id: demo", "id: later").replace(
        "estimated_minutes: 5", "estimated_minutes: 5\nrequires: [demo, nowhere]"))
    library = load_library([tmp_path])
    assert "demo" in library.lessons and "later" in library.lessons
    assert library.files["demo"] == good
    shown = [str(p) for p in library.problems]
    assert any("budget.max_steps" in s for s in shown)
    assert any(s.startswith(str(dup)) and "already has the id 'demo'" in s and str(good) in s for s in shown)
    assert any(s.startswith(str(needs)) and "no lesson with the id 'nowhere'" in s for s in shown)


def test_lessons_command_json(tmp_path):
    write(tmp_path, "demo", GOOD)
    write(tmp_path, "broken", "id: [unclosed\n")
    out = subprocess.run([sys.executable, "-m", "tutor.cli", "lessons", "--lessons", str(tmp_path), "--json"],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    assert any(row["id"] == "demo" and row["steps"] == 5 for row in data["lessons"])
    assert any(item["file"].endswith("broken/lesson.yaml") and item["problems"] for item in data["broken"])


def test_lessons_are_listed_after_the_lessons_they_require(tmp_path):
    """Folders load in name order (a, b, c); `requires` puts c before a, and a cycle or a missing id
    leaves the rest in the order found instead of losing a lesson."""
    def lesson(name, requires):
        return GOOD.replace("id: demo", f"id: {name}").replace(
            "estimated_minutes: 5", f"estimated_minutes: 5\nrequires: [{', '.join(requires)}]")

    write(tmp_path, "a", lesson("a", ["c"]))
    write(tmp_path, "b", lesson("b", ["a", "nowhere"]))
    write(tmp_path, "c", lesson("c", []))
    write(tmp_path, "d", lesson("d", ["e"]))
    write(tmp_path, "e", lesson("e", ["d"]))
    library = load_library(roots=[tmp_path])
    assert list(library.lessons) == ["c", "a", "b", "e", "d"]
    assert {p.key for p in library.problems} == {"requires[1]"}  # b's missing lesson, with its position
    assert sorted(library.lessons) == ["a", "b", "c", "d", "e"]



def test_the_built_in_lessons_come_in_their_order():
    library = load_library(roots=[builtin_dir()])
    assert list(library.lessons) == ["dracula", "oz", "frankenstein", "frankenstein-longest-question"]
    for later, first in (("oz", "dracula"), ("frankenstein", "oz"), ("frankenstein-longest-question", "frankenstein")):
        assert library.lessons[later].requires == [first]
