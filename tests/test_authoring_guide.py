"""docs/authoring.md's reference part is generated from the models; it must not drift."""

from pathlib import Path

import yaml

from tutor.lesson.format import Lesson
from tutor.lesson.reference import END, START, refreshed

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "authoring.md"


def test_reference_is_current():
    text = GUIDE.read_text()
    assert START in text and END in text
    assert refreshed(text) == text, "run `python -m tutor.lesson.reference` to refresh docs/authoring.md"


def test_worked_example_is_a_valid_lesson():
    text = GUIDE.read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    Lesson.model_validate(yaml.safe_load(example))
