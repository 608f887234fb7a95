"""Code-step checks on the learner's file: one fixture per way a learner's cell can go wrong.

Each case is the Dracula cell exercise with one mistake; the checks run in a child process
(tutor/codecheck.py -> models/checks.py), so even an endless loop or a crash ends in a verdict.
"""

from __future__ import annotations

import textwrap
import time

import pytest

from tutor.codecheck import run_checks_sync
from tutor.lesson.search import builtin_dir, load_library

pytestmark = pytest.mark.slow

HEAD = """\
import torch
from torch import nn


class CreatureCell(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def init_hidden(self):
        return torch.zeros(1, self.hidden_size)

"""


def cell(forward_body: str, head: str = HEAD) -> str:
    body = textwrap.indent(textwrap.dedent(forward_body).strip("\n"), " " * 8)
    return head + "    def forward(self, letter, hidden):\n" + body + "\n"


RIGHT = cell("""
    combined = torch.cat((letter, hidden), 1)
    return self.softmax(self.i2o(combined)), self.i2h(combined)
""")

CASES = {
    # name: (source, the check that fails, words the learner must see)
    "syntax error": (RIGHT.replace("torch.cat((letter, hidden), 1)", "torch.cat((letter, hidden), 1"),
                     "import", ["cannot read your file", "line"]),
    "misnamed class": (RIGHT.replace("class CreatureCell", "class CreatureCel"),
                       "import", ["no `CreatureCell`", "Did you mean `CreatureCel`"]),
    "wrong shape": (cell("""
        combined = torch.cat((letter, hidden), 1)
        return self.softmax(self.i2o(combined)), combined
    """), "shape", ["output 2", "(1, 128)", "(1, 185)"]),
    "raises inside": (cell("""
        combined = torch.cat((letter, hidden), 0)
        return self.softmax(self.i2o(combined)), self.i2h(combined)
    """), "shape", ["RuntimeError", "your line 17", "torch.cat((letter, hidden), 0)"]),
    "wrong numbers": (cell("""
        combined = torch.cat((hidden, letter), 1)
        return self.softmax(self.i2o(combined)), self.i2h(combined)
    """), "reference", ["differs from the reference", "order of what you join"]),
    "no gradient": (cell("""
        combined = torch.cat((letter, hidden), 1)
        with torch.no_grad():
            guess = self.softmax(self.i2o(combined))
        return guess, self.i2h(combined).detach()
    """), "gradients", ["not connected to the weights"]),
    "infinite loop": (cell("""
        while True:
            pass
    """), "shape", ["still running", "endless loop"]),
    "memory hog": (cell("""
        hoard = torch.ones(40_000, 40_000)
        return hoard, hoard
    """), "shape", ["more memory than the check allows"]),
    "sys.exit": (cell("""
        import sys
        sys.exit(3)
    """), "shape", ["sys.exit(3)"]),
    "os._exit": (cell("""
        import os
        os._exit(4)
    """), "shape", ["exit code 4"]),
    "segfault": (cell("""
        import ctypes
        ctypes.string_at(0)
    """), "shape", ["died (SIGSEGV)"]),
}


@pytest.fixture(scope="module")
def step():
    library = load_library(roots=[builtin_dir()])
    return next(s for s in library.lessons["dracula"].steps if s.kind == "code")


def test_the_solution_passes_every_check(step, tmp_path):
    code = tmp_path / "cell.py"
    code.write_text(RIGHT)
    verdicts = run_checks_sync(step, builtin_dir() / "dracula", code)
    assert [v.status for v in verdicts] == ["passed"] * len(step.checks), [v.message for v in verdicts]


@pytest.mark.parametrize("case", list(CASES))
def test_each_mistake_fails_its_check_with_a_message_for_the_learner(step, tmp_path, case):
    source, kind, words = CASES[case]
    code = tmp_path / "cell.py"
    code.write_text(source)
    started = time.monotonic()
    verdicts = run_checks_sync(step, builtin_dir() / "dracula", code, timeout=8 if case == "infinite loop" else None)
    assert time.monotonic() - started < 30
    failed = [v for v in verdicts if v.status == "failed"]
    assert len(failed) == 1, [(v.kind, v.status, v.message) for v in verdicts]
    first = failed[0]
    assert first.kind == kind, first.message
    for word in words:
        assert word in first.message, first.message
    after = verdicts[verdicts.index(first) + 1:]
    assert all(v.status == "not run" for v in after), "the first failure ends the run"
    before = verdicts[:verdicts.index(first)]
    assert all(v.passed for v in before)


def test_a_learners_print_does_not_confuse_the_checks(step, tmp_path):
    code = tmp_path / "cell.py"
    code.write_text(RIGHT.replace("combined = torch.cat", 'print("{\\"event\\": \\"done\\"}")\n        combined = torch.cat'))
    verdicts = run_checks_sync(step, builtin_dir() / "dracula", code)
    assert all(v.passed for v in verdicts), [v.message for v in verdicts]


REHEARSAL = (builtin_dir() / "frankenstein-longest-question" / "code" / "rehearsal_starter.py").read_text()
HALF_FIXES = {
    # the chapter's bug: right shape, wrong question (the last one, at every word)
    "the starter": (REHEARSAL, "reference", ["differs from the reference"]),
    "slice only": (REHEARSAL.replace("output[:, -1, :]", "output[-1]"), "shape", ["(5, 3)", "(9, 3)"]),
    "batch_first, wrong slice": (REHEARSAL.replace("nn.LSTM(input_size, hidden_size)",
                                                   "nn.LSTM(input_size, hidden_size, batch_first=True)")
                                 .replace("output[:, -1, :]", "output[-1]"), "shape", ["(9, 3)"]),
    "transposed, right": (REHEARSAL.replace("self.lstm(questions)", "self.lstm(questions.transpose(0, 1))")
                          .replace("output[:, -1, :]", "output[-1]"), None, []),
}


@pytest.mark.parametrize("case", list(HALF_FIXES))
def test_the_rehearsal_reader_catches_the_wrong_slice_and_the_wrong_shape(tmp_path, case):
    library = load_library(roots=[builtin_dir()])
    step = next(s for s in library.lessons["frankenstein-longest-question"].steps if s.id == "fix-the-rehearsal")
    source, kind, words = HALF_FIXES[case]
    code = tmp_path / "reader.py"
    code.write_text(source)
    verdicts = run_checks_sync(step, builtin_dir() / "frankenstein-longest-question", code)
    failed = [v for v in verdicts if v.status == "failed"]
    if kind is None:
        assert not failed, failed
        return
    assert failed and failed[0].kind == kind, [(v.kind, v.status, v.message) for v in verdicts]
    for word in words:
        assert word in failed[0].message, failed[0].message


def _code_steps():
    library = load_library(roots=[builtin_dir()])
    for lesson_id, lesson in sorted(library.lessons.items()):
        for step in lesson.steps:
            if step.kind == "code":
                yield pytest.param(lesson_id, step, id=f"{lesson_id}/{step.id}")


@pytest.mark.parametrize("lesson_id,step", list(_code_steps()))
def test_every_shipped_starter_fails_and_every_solution_passes(lesson_id, step):
    folder = builtin_dir() / lesson_id
    assert any(v.status == "failed" for v in run_checks_sync(step, folder, folder / step.starter))
    assert all(v.passed for v in run_checks_sync(step, folder, folder / step.solution))


@pytest.mark.parametrize("lesson_id,step", [p for p in _code_steps() if p.values[1].then_train])
def test_a_solved_cell_trains_in_its_follow_up_step(lesson_id, step):
    """then_train: the solution as the network of the follow-up step, a few real training steps."""
    from models.trainer import Trainer
    from tutor.jobs import step_job

    library = load_library(roots=[builtin_dir()])
    target = next(s for s in library.lessons[lesson_id].steps if s.id == step.then_train)
    solution = builtin_dir() / lesson_id / step.solution
    job = step_job(target, library.files[lesson_id], {}, "cpu",
                   learner_cell={"file": str(solution), "entry": step.entry})
    job.update(max_steps=60, max_seconds=120, evals=1)
    trainer = Trainer.from_job(job)
    summary = trainer.run()
    assert summary["failed"] is None and summary["steps"] == 60
    assert trainer.history[-1]["loss"] < trainer.history[0]["loss"], "the learner's cell learns"
    learner_params = [n for n, _ in trainer.model.named_parameters() if "inner" in n or n.startswith("cell.")]
    assert learner_params, "the network is built around the learner's class"


PRACTICE = (builtin_dir() / "oz" / "code" / "practice_solution.py").read_text()
SLIPS = {
    "forgot zero_grad": PRACTICE.replace("        self.optimizer.zero_grad()\n", ""),
    "mean instead of sum": PRACTICE.replace(
        "loss = sum(self.loss_fn(guesses[:, t], y[:, t]) for t in range(x.shape[1]))",
        "loss = self.loss_fn(guesses, y)"),
    "no clipping": PRACTICE.replace("        torch.nn.utils.clip_grad_norm_(self.parameters(), self.clip)\n", ""),
    "clip after the step": PRACTICE.replace(
        "        torch.nn.utils.clip_grad_norm_(self.parameters(), self.clip)\n        self.optimizer.step()\n",
        "        self.optimizer.step()\n        torch.nn.utils.clip_grad_norm_(self.parameters(), self.clip)\n"),
    "no step": PRACTICE.replace("        self.optimizer.step()\n", ""),
}


@pytest.mark.parametrize("slip", list(SLIPS))
def test_the_training_step_exercise_catches_each_slip(tmp_path, slip):
    library = load_library(roots=[builtin_dir()])
    step = next(s for s in library.lessons["oz"].steps if s.id == "one-night")
    assert SLIPS[slip] != PRACTICE, "the slip was applied"
    code = tmp_path / "practice.py"
    code.write_text(SLIPS[slip])
    verdicts = run_checks_sync(step, builtin_dir() / "oz", code)
    failed = [v for v in verdicts if v.status == "failed"]
    assert [v.kind for v in failed] == ["reference"], [(v.kind, v.status, v.message) for v in verdicts]
    if slip == "forgot zero_grad":  # the first two calls agree; the advice is about the update
        assert "random trial 3" in failed[0].message and "cleared before each backward" in failed[0].message
    if slip == "mean instead of sum":
        assert "random trial 1" in failed[0].message and "sum or average" in failed[0].message


def test_a_cell_that_cannot_learn_fails_the_learns_check(step, tmp_path):
    """Gradients flow (zeros, finite) but nothing the weights do reaches the outputs: no learning."""
    frozen = cell("""
        combined = torch.cat((letter, hidden), 1)
        guess = self.softmax(self.i2o(combined)).detach()
        memory = self.i2h(combined).detach()
        return guess + 0 * self.i2o.weight.sum(), memory + 0 * self.i2h.weight.sum()
    """)
    code = tmp_path / "cell.py"
    code.write_text(frozen)
    only_learns = step.model_copy(update={"checks": [c for c in step.checks if c.kind in ("import", "learns")]})
    verdicts = run_checks_sync(only_learns, builtin_dir() / "dracula", code)
    assert [v.status for v in verdicts] == ["passed", "failed"], [v.message for v in verdicts]
    assert "a working cell at least halves it" in verdicts[1].message
