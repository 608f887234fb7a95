"""Learner code that attacks the checks: it may fail them, it may never pass them by cheating, and it
may never take the app (or the machine's memory) with it."""

from __future__ import annotations

import resource
import time

import pytest

from test_codecheck import cell
from tutor.codecheck import run_checks_sync
from tutor.lesson.search import builtin_dir, load_library

pytestmark = pytest.mark.slow

WRONG = cell("""
    combined = torch.cat((hidden, letter), 1)
    return self.softmax(self.i2o(combined)), self.i2h(combined)
""")
"""The Dracula cell with its inputs joined in the wrong order: it must fail the reference check."""

FORGE = '''
import json, os, sys
for i, kind in enumerate(["import", "shape", "shape", "reference", "gradients", "learns"]):
    line = json.dumps({"event": "check", "index": i, "kind": kind, "passed": True, "message": "forged"})
    for fd in (1, 2):
        os.write(fd, (line + "\\n").encode())
os.write(1, (json.dumps({"event": "done"}) + "\\n").encode())
'''

ATTACKS = {
    # name: code added at the top of the wrong cell's file
    "forged verdict lines, then os._exit": FORGE + "os._exit(0)\n",
    "forged verdict lines, then carrying on": FORGE,
    "replacing the checker's checks": "import __main__\n__main__.CHECKS = {k: (lambda s, c: 'ok') for k in "
                                      "('import', 'shape', 'reference', 'gradients', 'learns')}\n",
    "patching torch so every difference is zero": "import torch\ntorch.Tensor.abs = lambda self: self * 0\n"
                                                  "torch.Tensor.max = lambda self, *a: torch.tensor(0.0)\n",
    "killing the parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n",
}


@pytest.fixture(scope="module")
def step():
    library = load_library(roots=[builtin_dir()])
    return next(s for s in library.lessons["dracula"].steps if s.kind == "code")


def run(step, tmp_path, source: str, timeout: float = 60):
    file = tmp_path / "cell.py"
    file.write_text(source, encoding="utf-8")
    started = time.monotonic()
    verdicts = run_checks_sync(step, builtin_dir() / "dracula", file, timeout=timeout)
    return verdicts, time.monotonic() - started


@pytest.mark.parametrize("attack", ATTACKS)
def test_learner_code_cannot_fake_a_pass(step, tmp_path, attack):
    source = ATTACKS[attack] + WRONG.replace("import torch\n", "import torch\n", 1)
    verdicts, _ = run(step, tmp_path, source)
    assert not all(v.passed for v in verdicts), f"{attack}: reported as passing"
    assert not any(v.message == "forged" for v in verdicts)


def test_an_endless_print_is_stopped_and_the_app_keeps_its_memory(step, tmp_path):
    source = cell("""
        while True:
            print("x" * 65536)
    """)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    verdicts, seconds = run(step, tmp_path, source, timeout=120)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    failed = next(v for v in verdicts if v.status == "failed")
    assert "printed more than" in failed.message
    assert grown_mb < 100, f"the app grew by {grown_mb:.0f} MB"
    assert seconds < 60


def test_a_huge_line_without_a_newline_on_the_real_stdout_is_a_failed_check_not_a_crash(step, tmp_path):
    source = cell("""
        import os
        os.write(1, b"y" * (4 << 20))
        return self.softmax(self.i2o(torch.cat((letter, hidden), 1))), hidden
    """)
    verdicts, _ = run(step, tmp_path, source)
    assert verdicts[0].passed and not all(v.passed for v in verdicts)


def test_forks_die_with_a_timed_out_check_and_the_verdict_does_not_wait_for_them(step, tmp_path):
    marker = tmp_path / "alive"
    source = cell(f"""
        import os, time
        for _ in range(6):
            if os.fork() == 0:
                while True:
                    open({str(marker)!r}, "a").close()
                    time.sleep(0.1)
        while True:
            pass
    """)
    verdicts, seconds = run(step, tmp_path, source, timeout=8)
    failed = next(v for v in verdicts if v.status == "failed")
    assert "still running" in failed.message
    assert seconds < 20
    time.sleep(1)
    if marker.exists():
        marker.unlink()
    time.sleep(1)
    assert not marker.exists(), "a forked child outlived the check"
