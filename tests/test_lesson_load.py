"""Lesson loading: every bad input becomes a positioned problem, never a traceback."""

import textwrap
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.lesson.answers import check_answer, parse_shape
from tutor.lesson.format import NumberAnswer, ShapeAnswer, TextAnswer
from tutor.lesson.load import MAX_NODES, load_lesson

GOOD = textwrap.dedent("""\
    schema_version: 1
    id: demo
    title: A demo
    story: Dracula
    summary: Short.
    estimated_minutes: 5
    steps:
      - kind: story
        id: arrival
        title: Arrival
        text: The coach stops at the castle gate.
      - kind: explain
        id: memory
        title: Memory
        text: "A hidden state carries what came before."
      - kind: quiz
        id: shape
        title: Shapes
        question: What shape is the hidden state?
        answer: {type: shape, value: "(1, 3, 20)"}
        hints: [One layer., Batch of three.]
      - kind: quiz
        id: loss
        title: Loss
        question: Which loss goes with LogSoftmax?
        choices:
          - {text: NLLLoss, correct: true}
          - {text: MSELoss}
      - kind: train
        id: speak
        title: Speak
        task: char-lm
        settings: {cell: gru, lr: 0.003}
        budget: {max_steps: 100, max_seconds: 30}
        tunable: {temperature: {min: 0.1, max: 2.0, live: true}}
        goal: {metric: val_loss, threshold: 1.8}
    """)


def load_text(tmp_path, text, name="lesson.yaml"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return load_lesson(path)


def test_a_good_lesson_loads(tmp_path):
    lesson, problems = load_text(tmp_path, GOOD)
    assert problems == []
    assert [s.kind for s in lesson.steps] == ["story", "explain", "quiz", "quiz", "train"]
    assert lesson.steps[4].settings == {"cell": "gru", "lr": 0.003}


BAD = [
    ("tabs", GOOD.replace("  - kind: story", "\t- kind: story"), "lesson.yaml:8:1:", "never tabs"),
    ("duplicate key", GOOD.replace("title: A demo\n", "title: A demo\ntitle: Again\n"),
     "title: duplicate key", None),
    ("step without kind", GOOD.replace("  - kind: story\n    id: arrival", "  - id: arrival"),
     "steps[0]: each step needs a kind", None),
    ("unknown kind", GOOD.replace("kind: story", "kind: tale"), "steps[0]: unknown kind 'tale'", None),
    ("typo'd setting", GOOD.replace("lr: 0.003", "lerning_rate: 0.003"),
     "steps[4].settings.lerning_rate: not a setting of the char-lm task; did you mean 'lr'?", None),
    ("typo'd key", GOOD.replace("summary: Short.", "sumary: Short."), "sumary: unknown key; did you mean 'summary'?", None),
    ("wrong type", GOOD.replace("estimated_minutes: 5", "estimated_minutes: soon"), "estimated_minutes:", None),
    ("zero budget", GOOD.replace("max_steps: 100", "max_steps: 0"),
     "steps[4].budget.max_steps: input should be greater than 0 (got 0)", None),
    ("negative lr", GOOD.replace("lr: 0.003", "lr: -0.003"),
     "steps[4].settings.lr: must be greater than 0 (got -0.003)", None),
    ("no correct choice", GOOD.replace("{text: NLLLoss, correct: true}", "{text: NLLLoss}"),
     "choices: mark at least one choice correct: true", None),
    ("id with spaces", GOOD.replace("id: memory", "id: my memory"),
     "steps[1].id: must be lower-case letters, digits and hyphens", None),
    ("unknown task", GOOD.replace("task: char-lm", "task: translate"), "unknown task 'translate'", None),
    ("unknown metric", GOOD.replace("metric: val_loss", "metric: bleu"), "unknown metric 'bleu'", None),
    ("duplicate step id", GOOD.replace("id: memory", "id: arrival"), "two steps have the id 'arrival'", None),
    ("empty", "", "the file is empty", None),
    ("python tag", GOOD.replace("title: A demo", "title: !!python/object/apply:os.system [echo hi]"),
     "tag is not allowed", None),
    ("non-UTF-8", GOOD.encode("utf-8").replace(b"A demo", b"A d\xe9mo"), "not UTF-8 text (byte 0xe9)", None),
    ("not a mapping", "- just\n- a list\n", "a lesson is a mapping", None),
    ("unreachable goal", GOOD.replace("metric: val_loss, threshold: 1.8", "metric: accuracy, threshold: 0.9"),
     "steps[4].goal.metric: the char-lm task reports val_loss, train_loss, word_rate, not accuracy", None),
    ("goal out of range", GOOD.replace("metric: val_loss, threshold: 1.8", "metric: word_rate, threshold: 80"),
     "steps[4].goal.threshold: word_rate is a share between 0 and 1", None),
    ("tunable out of range", GOOD.replace("{min: 0.1, max: 2.0, live: true}", "{min: 0.1, max: 9.0, live: true}"),
     "steps[4].tunable.temperature: must be at most 5", None),
    ("broken indentation", GOOD.replace("    title: Arrival", "      title: Arrival"), "lesson.yaml:10:", None),
    ("missing corpus", GOOD.replace("task: char-lm", "task: char-lm\n    data: {corpus: nowhere.txt}"),
     "steps[4].data.corpus: nowhere.txt: no such file next to the lesson", None),
]


@pytest.mark.parametrize("name,text,expected,also", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_positioned_problem(tmp_path, name, text, expected, also):
    lesson, problems = load_text(tmp_path, text)
    assert lesson is None
    shown = [str(p) for p in problems]
    assert any(expected in s for s in shown), shown
    for p in problems:
        assert str(p).startswith(str(tmp_path / "lesson.yaml"))
    if also:
        assert any(also in s.lower() for s in shown)


def test_a_code_step_with_its_files(tmp_path):
    (tmp_path / "starter.py").write_text("def step(x, h):\n    raise NotImplementedError\n")
    (tmp_path / "solution.py").write_text("def step(x, h):\n    return x + h\n")
    code = textwrap.indent(textwrap.dedent("""\
          - kind: code
            id: write-cell
            title: Write the cell
            text: Write `step`.
            starter: starter.py
            solution: solution.py
            entry: step
            checks: [{kind: import}, {kind: shape, inputs: ["(1, 3)", "(1, 3)"], outputs: ["(1, 3)"]}]
            then_train: speak
        """), "  ")
    lesson, problems = load_text(tmp_path, GOOD + code)
    assert problems == [] and lesson.steps[-1].kind == "code" and lesson.steps[-1].then_train == "speak"
    recall = (GOOD.replace("task: char-lm", "task: recall").replace("settings: {cell: gru, lr: 0.003}", "settings: {cell: gru}")
              .replace("tunable: {temperature: {min: 0.1, max: 2.0, live: true}}", "tunable: {gap: {min: 5, max: 50}}")
              .replace("goal: {metric: val_loss, threshold: 1.8}", "goal: {metric: accuracy, threshold: 0.9}"))
    _, problems = load_text(tmp_path, recall + code)
    assert [p.key for p in problems] == ["steps[5].then_train"], problems
    assert "trains on a classify or char-lm step" in problems[0].message
    _, problems = load_text(tmp_path, GOOD + code.replace("then_train: speak", "then_train: arrival")
                            .replace("solution.py", "gone.py"))
    shown = "\n".join(map(str, problems))
    assert "steps[5].solution: gone.py: no such file" in shown
    assert "steps[5].then_train: no train step with the id 'arrival'" in shown


def test_problems_carry_the_line_the_parser_knows(tmp_path):
    _, problems = load_text(tmp_path, GOOD.replace("max_steps: 100", "max_steps: 0"))
    line = GOOD.splitlines().index("    budget: {max_steps: 100, max_seconds: 30}") + 1
    assert (problems[0].line, problems[0].col) == (line, 14)


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    text = GOOD.replace("max_steps: 100", "max_steps: 0").replace("id: memory", "id: My Memory")
    _, problems = load_text(tmp_path, text)
    assert len(problems) == 2


def test_a_huge_file_is_refused_before_parsing(tmp_path):
    _, problems = load_text(tmp_path, GOOD + "#" * 10_000_000)
    assert "a lesson must be under" in str(problems[0])


def test_an_alias_bomb_is_refused_quickly(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 9) + "]")
    started = time.perf_counter()
    _, problems = load_text(tmp_path, "\n".join(lines) + "\n")
    assert time.perf_counter() - started < 5
    assert f"over {MAX_NODES:,} values" in str(problems[0])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=len(GOOD) - 1), st.sampled_from(
    ["", " ", "\t", ":", "-", "\n", "  ", "[", "{", "'", '"', "&x", "*x", "!!", "0", "#", "\n  -", "é"]),
    st.integers(min_value=0, max_value=3))
def test_random_mutations_never_crash_the_loader(tmp_path, at, insert, cut):
    text = GOOD[:at] + insert + GOOD[at + cut:]
    lesson, problems = load_text(tmp_path, text)
    assert (lesson is None) == bool(problems)
    for p in problems:
        assert p.message and str(p).startswith(str(tmp_path))


@pytest.mark.parametrize("given_text", ["(1, 3, 20)", "[1,3,20]", "torch.Size([1, 3, 20])", "1 x 3 x 20",
                                        " ( 1 ,3, 20 ) "])
def test_shape_answers_normalise(given_text):
    assert parse_shape(given_text) == (1, 3, 20)
    assert check_answer(ShapeAnswer(type="shape", value="(1, 3, 20)"), given_text)


def test_other_answers():
    assert not check_answer(ShapeAnswer(type="shape", value="(1, 3, 20)"), "(3, 1, 20)")
    assert parse_shape("three by twenty") is None
    assert check_answer(NumberAnswer(type="number", value=0.5, tolerance=0.01), "0.505")
    assert not check_answer(NumberAnswer(type="number", value=0.5, tolerance=0.01), "0.52")
    assert not check_answer(NumberAnswer(type="number", value=0.5), "half")
    assert check_answer(TextAnswer(type="text", accept=["hidden state"]), "  Hidden   State. ")
