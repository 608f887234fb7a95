"""Provides the lesson JSON Schema (draft-07, for yaml-language-server), generated from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .format import Lesson

SCHEMA_FILE = Path(__file__).with_name("lesson.schema.json")
"""The committed copy editors point at; tests/test_lesson_schema.py fails when it drifts."""


def lesson_schema() -> dict[str, Any]:
    schema = Lesson.model_json_schema(ref_template="#/definitions/{model}")
    schema["definitions"] = schema.pop("$defs", {})
    return {"$schema": "http://json-schema.org/draft-07/schema#",
            "title": "rnn-tutor lesson", **{k: v for k, v in schema.items() if k != "title"}}


def schema_text() -> str:
    return json.dumps(lesson_schema(), indent=2, sort_keys=True) + "\n"
