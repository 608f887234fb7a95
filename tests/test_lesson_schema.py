"""The JSON Schema editors use: generated from the models, committed, and drift-tested."""

import json
import subprocess
import sys

import jsonschema
import yaml

from test_lesson_load import GOOD
from tutor.lesson.schema import SCHEMA_FILE, lesson_schema, schema_text


def test_committed_schema_matches_the_models():
    assert SCHEMA_FILE.read_text() == schema_text(), (
        "tutor/lesson/lesson.schema.json is stale: run `rnn-tutor schema > tutor/lesson/lesson.schema.json`")


def test_schema_is_draft7_and_agrees_with_the_loader():
    schema = lesson_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    assert not list(validator.iter_errors(yaml.safe_load(GOOD)))
    typo = yaml.safe_load(GOOD.replace("summary: Short.", "sumary: Short."))
    assert any("sumary" in e.message for e in validator.iter_errors(typo))


def test_schema_command_prints_it():
    out = subprocess.run([sys.executable, "-m", "tutor.cli", "schema"], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out)["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_every_shipped_lesson_loads_and_fits_the_schema():
    from tutor.lesson.search import builtin_dir, lesson_files, load_library

    files = lesson_files(builtin_dir())
    assert files, "no shipped lessons found"
    library = load_library()
    assert [str(p) for p in library.problems if p.path in files] == []
    validator = jsonschema.Draft7Validator(lesson_schema())
    for file in files:
        errors = list(validator.iter_errors(yaml.safe_load(file.read_text())))
        assert not errors, f"{file}: {errors[0].message}"
    dracula = library.lessons["dracula"]
    assert {s.kind for s in dracula.steps} == {"story", "explain", "quiz", "train", "code"}
