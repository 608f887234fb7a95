"""Provides lesson loading: YAML to typed models, every problem reported as `file:line:col: key: message`.

Safe by construction: the YAML is composed into nodes first (positions, duplicate keys, alias
bombs are checked on the node graph), then built with PyYAML's safe constructor, so no tag such
as `!!python/object` ever runs code. A line number is given only where the parser knows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from models.catalog import TASKS

from .format import STEP_KINDS, Lesson, suggest
from .paths import LessonPathError, lesson_path

MAX_BYTES = 1_000_000
"""A lesson is prose and settings; anything larger is a mistake, refused before parsing."""
MAX_NODES = 50_000
"""Nodes after expanding aliases; a "billion laughs" file passes this after a few levels."""

@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    col: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}:{self.col or 1}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


Path_ = tuple[Any, ...]


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Positions:
    """Line and column (1-based) of every key and item, by path, from the composed node graph."""

    def __init__(self):
        self.marks: dict[Path_, tuple[int, int]] = {}

    def get(self, path: Path_) -> tuple[int | None, int | None]:
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.marks:
                return self.marks[path[:cut]]
        return None, None


def _walk(node, path: Path_, positions: _Positions, problems: list, file: Path, sizes: dict) -> int:
    """Record positions, find duplicate keys, and count nodes with aliases expanded."""
    if id(node) in sizes:  # an alias: its size is known, and its positions are its anchor's
        return sizes[id(node)]
    positions.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    size = 1
    sizes[id(node)] = size
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                problems.append(Problem(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                                        dotted(path + (key,)),
                                        f"duplicate key (first given on line {seen[key]})"))
            elif key is not None:
                seen[key] = key_node.start_mark.line + 1
                positions.marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            size += _walk(value_node, path + (key,), positions, problems, file, sizes)
            if size > MAX_NODES:
                break
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            size += _walk(item, path + (index,), positions, problems, file, sizes)
            if size > MAX_NODES:
                break
    sizes[id(node)] = size
    return size


def _strip_tags(loc: tuple, data: Any) -> Path_:
    """Pydantic puts a union's tag in the error path (steps.3.train.lr); drop it (steps[3].lr)."""
    out: list[Any] = []
    current = data
    for part in loc:
        if isinstance(current, dict) and isinstance(part, str) and part not in current and (
            current.get("kind") == part or current.get("type") == part
        ):
            continue
        out.append(part)
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            current = None
    return tuple(out)


def _fields_at(path: Path_, data: Any) -> list[str]:
    """The keys the model accepts where an unknown key was found (for suggestions)."""
    from pydantic import BaseModel

    from . import format as fmt

    model: Any = Lesson
    current = data
    for part in path:
        if isinstance(part, int):
            current = current[part] if isinstance(current, list) and part < len(current) else None
            if model is Lesson or model is None:
                kind = current.get("kind") if isinstance(current, dict) else None
                model = {"story": fmt.StoryStep, "explain": fmt.ExplainStep, "quiz": fmt.QuizStep,
                         "train": fmt.TrainStep, "code": fmt.CodeStep}.get(kind)
            continue
        field = model.model_fields.get(part) if model is not None else None
        current = current.get(part) if isinstance(current, dict) else None
        annotation = getattr(field, "annotation", None)
        model = next((a for a in getattr(annotation, "__args__", (annotation,))
                      if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if model is None and part == "steps":
            model = Lesson
    return list(model.model_fields) if model is not None and model is not Lesson else (
        list(Lesson.model_fields) if not path else [])


def _message(error: dict, key: str, path: Path_, data: Any) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return "unknown key" + suggest(str(path[-1]), _fields_at(path[:-1], data))
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return f"unknown kind {error['input'].get('kind')!r}; choose one of: {', '.join(STEP_KINDS)}" \
            if isinstance(error.get("input"), dict) and "kind" in error["input"] else msg
    if kind == "union_tag_not_found":
        return f"each step needs a kind: one of {', '.join(STEP_KINDS)}"
    if kind == "string_pattern_mismatch":
        return f"must be lower-case letters, digits and hyphens (got {error.get('input')!r})"
    if kind.startswith(("greater_than", "less_than")):
        return f"{msg.lower()} (got {error.get('input')!r})"
    if msg.startswith("Value error, "):
        return msg[len("Value error, "):]
    return f"{msg[0].lower()}{msg[1:]} (got {error.get('input')!r})" if "input" in error else msg


def _refine(path: Path_, message: str) -> tuple[Path_, str]:
    """Our own validators prefix a message with the key it is about (`settings.lr: ...`)."""
    head, sep, rest = message.partition(": ")
    if sep and head.split(".")[0] in ("settings", "tunable", "choices", "steps", "goal"):
        parts = tuple(head.split("."))
        if parts[0] == "steps":
            parts = parts[1:]
        if path and parts and path[-1] == parts[0]:  # a field validator's error sits at its field
            path = path[:-1]
        return path + parts, rest
    return path, message


MAX_DEPTH = 40
"""Nesting a lesson may have (it needs about six); deeper is an attack or a mistake."""


def _control_characters(data: Any, positions: _Positions, file: Path) -> list[Problem]:
    """Every string holding a control character (an ESC that would retitle or clear a learner's
    terminal, a bidirectional override that reorders text), with where it is; too-deep nesting too.
    YAML's double-quoted escapes ("\\e", "\\x1b") make them out of plain text, so the parsed values
    are what is searched."""
    from ..text import find_controls

    problems: list[Problem] = []
    stack: list[tuple[Path_, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if len(path) > MAX_DEPTH:
            line, col = positions.get(path)
            return [Problem(file, line, col, dotted(path[:MAX_DEPTH]), f"nested deeper than {MAX_DEPTH} levels")]
        if isinstance(value, str):
            found = find_controls(value)
            if found:
                line, col = positions.get(path)
                index, code = found[0]
                more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
                problems.append(Problem(file, line, col, dotted(path),
                                        f"control character {code} at character {index + 1}{more}: "
                                        f"terminals obey these (retitle, clear, clipboard); remove it"))
        elif isinstance(value, dict):
            stack.extend((path + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in enumerate(value))
    return sorted(problems, key=lambda p: (p.line or 0, p.col or 0))


def load_lesson(file: str | Path) -> tuple[Lesson | None, list[Problem]]:
    """Read and validate one lesson file; return the lesson (or None) and every problem found."""
    file = Path(file)
    try:
        raw = file.read_bytes()
    except OSError as err:
        return None, [Problem(file, None, None, "", f"cannot be read ({err.strerror})")]
    if len(raw) > MAX_BYTES:
        return None, [Problem(file, None, None, "", f"the file is {len(raw):,} bytes; a lesson must be under {MAX_BYTES:,}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        before = raw[: err.start]
        line = before.count(b"\n") + 1
        col = err.start - (before.rfind(b"\n") + 1) + 1
        return None, [Problem(file, line, col, "", f"not UTF-8 text (byte 0x{raw[err.start]:02x}); save the file as UTF-8")]
    if not text.strip():
        return None, [Problem(file, None, None, "", "the file is empty; `rnn-tutor new ID` writes a starting point")]
    problems: list[Problem] = []
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(file, None, None, "", "the file holds no YAML document")]
        positions = _Positions()
        size = _walk(node, (), positions, problems, file, {})
        if size > MAX_NODES:
            return None, [Problem(file, node.start_mark.line + 1, 1, "",
                                  f"too large once its aliases are expanded (over {MAX_NODES:,} values); "
                                  "is it an alias bomb?")]
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        reason = err.problem or str(err)
        if "\\t" in reason or "\t" in reason or "tab" in reason.lower():
            reason += " (YAML indents with spaces, never tabs)"
        if "could not determine a constructor" in reason:
            reason = "this tag is not allowed: lessons are plain data (" + reason + ")"
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        return None, [Problem(file, line, col, "", reason)]
    except yaml.YAMLError as err:
        return None, [Problem(file, None, None, "", str(err))]
    except RecursionError:
        return None, [Problem(file, None, None, "", "nested too deeply (a lesson needs a few levels; this "
                                                    "file nests more than Python can follow)")]
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None, [Problem(file, 1, 1, "", "a lesson is a mapping of keys (schema_version, id, title, ...)")]
    if problems:
        return None, problems
    controls = _control_characters(data, positions, file)
    if controls and controls[0].message.startswith("nested deeper"):
        return None, controls
    try:
        lesson = Lesson.model_validate(data)
    except ValidationError as err:
        for error in err.errors():
            path = _strip_tags(error["loc"], data)
            message = _message(error, dotted(path), path, data)
            path, message = _refine(path, message)
            line, col = positions.get(path)
            problems.append(Problem(file, line, col, dotted(path), message))
        return None, sorted(problems + controls, key=lambda p: (p.line or 0, p.col or 0))
    problems = sorted(cross_check(lesson, file, positions) + controls, key=lambda p: (p.line or 0, p.col or 0))
    return (None if problems else lesson), problems


def cross_check(lesson: Lesson, file: Path, positions: _Positions) -> list[Problem]:
    """What the models alone cannot see: files that must exist, references between steps."""
    problems = []
    base = file.parent
    step_kinds = {step.id: step.kind for step in lesson.steps}

    def problem(path: Path_, message: str):
        line, col = positions.get(path)
        problems.append(Problem(file, line, col, dotted(path), message))

    for index, step in enumerate(lesson.steps):
        here = ("steps", index)
        files: list[tuple[Path_, str | None]] = []
        if step.kind == "train":
            files = [(here + ("data", "corpus"), step.data.corpus), (here + ("data", "names"), step.data.names)]
            if step.data.corpus and step.task != "char-lm":
                problem(here + ("data", "corpus"), f"a corpus is for the char-lm task, not {step.task}")
            if step.data.names and step.task != "classify":
                problem(here + ("data", "names"), f"names are for the classify task, not {step.task}")
        elif step.kind == "code":
            files = [(here + ("starter",), step.starter), (here + ("solution",), step.solution)]
            if step.then_train is not None and step_kinds.get(step.then_train) != "train":
                problem(here + ("then_train",), f"no train step with the id {step.then_train!r} in this lesson")
            elif step.then_train is not None:
                target = next(s for s in lesson.steps if s.id == step.then_train)
                if target.task not in ("classify", "char-lm"):
                    problem(here + ("then_train",), f"a learner's cell trains on a classify or char-lm step; "
                                                    f"{step.then_train!r} is {target.task}")
                goal = step.then_train_goal
                if goal is not None and goal.metric not in TASKS[target.task].metrics:
                    problem(here + ("then_train_goal", "metric"), f"the {target.task} task of {step.then_train!r} "
                            f"reports {', '.join(TASKS[target.task].metrics)}, not {goal.metric}")
        for path, name in files:
            if name:
                try:
                    lesson_path(base, name, folder=path[-1] == "names")
                except LessonPathError as err:
                    problem(path, str(err))
    return problems


def position_of(file: Path, path: Path_) -> tuple[int | None, int | None]:
    """Line and column of `path` (e.g. ("requires", 1)) in a lesson file that has already loaded, for
    problems found across lessons (a `requires` naming no lesson, a cycle); (None, None) if unknown."""
    try:
        loader = yaml.SafeLoader(file.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        positions = _Positions()
        _walk(node, (), positions, [], file, {})
        return positions.get(path)
    except (OSError, UnicodeError, yaml.YAMLError, RecursionError):
        return None, None
