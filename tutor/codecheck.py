"""Runs a code step's checks on a file in child processes, with a time limit.

The checker (models/checks.py) runs in its own session and starts the learner's code in a process of
its own (models/learner_host.py), so the verdict is decided where the learner's code cannot reach.
The app and `rnn-tutor check` both use `run_checks`. Whatever the learner's code does (an endless
loop or print, `os._exit`, a segfault, eating memory, forking), the result is a list of verdicts,
one per check: the checks that ran, the one that failed with a message for the learner, and the
rest "not run"; what it printed is read with a bound, and a timeout ends every process it started.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .lesson.paths import lesson_path



@dataclass
class Verdict:
    kind: str
    status: str
    """"passed", "failed" or "not run"."""
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def check_spec(step, lesson_dir: Path, code: Path) -> dict[str, Any]:
    """The child's job for `code` (a learner's copy, a starter or a solution) under `step`'s checks."""
    return {
        "code": str(code),
        "reference": str(lesson_path(lesson_dir, step.solution)),
        "entry": step.entry,
        "init": list(step.init),
        "checks": [c.model_dump(exclude_none=True) for c in step.checks],
    }


EVENT_LINE_LIMIT = 1 << 20
"""Longest verdict line read from the check process (a verdict is a few hundred bytes)."""
OUTPUT_FLOOD = 8 << 20
"""Bytes the learner's code may print before the check is stopped (an endless print)."""
AFTER_EXIT_SECONDS = 0.5
"""How long the readers may drain the pipes once the check process has ended (grandchildren that
hold them open are killed with its process group, and nothing waits for them)."""


def _kill_group(proc) -> None:
    """End the check process and everything it started in its session (forks included)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass
    if proc.returncode is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass


async def run_checks(step, lesson_dir: Path, code: Path, timeout: float | None = None) -> list[Verdict]:
    from .streams import Tail, bounded_lines, read_tail

    spec = check_spec(step, lesson_dir, code)
    limit = float(timeout if timeout is not None else step.timeout)
    kinds = [c["kind"] for c in spec["checks"]]
    verdicts: dict[int, Verdict] = {}
    running: int | None = None
    dropped = 0
    flooded = False
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "models.checks", json.dumps(spec),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        start_new_session=True)  # its own process group: a timeout ends its forks too

    async def read() -> None:
        nonlocal running, dropped
        assert proc.stdout is not None
        async for raw in bounded_lines(proc.stdout, EVENT_LINE_LIMIT):
            if raw is None:
                dropped += 1  # the learner's code wrote a huge line to the real stdout
                continue
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            if event.get("event") == "start":
                running = event.get("index")
            elif event.get("event") == "check":
                verdicts[event["index"]] = Verdict(event["kind"], "passed" if event["passed"] else "failed",
                                                   event["message"])
                running = None

    def flood() -> None:
        nonlocal flooded
        flooded = True
        _kill_group(proc)

    stderr = Tail()
    readers = [asyncio.ensure_future(read()),
               asyncio.ensure_future(read_tail(proc.stderr, stderr, OUTPUT_FLOOD, flood))]
    timed_out = False
    try:
        await asyncio.wait_for(proc.wait(), timeout=limit)
    except asyncio.TimeoutError:
        timed_out = True
    _kill_group(proc)
    await proc.wait()
    done, pending = await asyncio.wait(readers, timeout=AFTER_EXIT_SECONDS)
    for task in pending:
        task.cancel()
    stderr_text = stderr.text()

    if flooded and running is not None and running not in verdicts:
        verdicts[running] = Verdict(kinds[running], "failed",
                                    f"Your code printed more than {OUTPUT_FLOOD >> 20} MB in the {kinds[running]} "
                                    f"check, so it was stopped. A print inside a loop that never ends?")
    elif running is not None and running not in verdicts:
        kind = kinds[running]
        if timed_out:
            message = (f"Your code was still running after {limit:g} s in the {kind} check. An endless loop? "
                       f"Look for a `while` whose condition never changes, or a loop that grows what it walks.")
        elif proc.returncode and proc.returncode < 0:
            name = signal.Signals(-proc.returncode).name if -proc.returncode in signal.Signals._value2member_map_ \
                else str(-proc.returncode)
            message = f"The process running your code died ({name}) in the {kind} check."
            if name == "SIGKILL":
                message += " It was probably killed for using too much memory."
        else:
            message = (f"The process running your code ended (exit code {proc.returncode}) in the {kind} check, "
                       f"before it could report. Does your code call os._exit or exit()?")
            tail = stderr_text.strip().splitlines()[-1:] if stderr_text.strip() else []
            if tail and "Error" in tail[0]:
                message += f" Last error: {tail[0][:300]}"
        if dropped:
            message += f" (It also wrote {dropped} line(s) too long to read to its output.)"
        verdicts[running] = Verdict(kind, "failed", message)
    elif not verdicts and (timed_out or proc.returncode):
        verdicts[0] = Verdict(kinds[0], "failed", "The checks could not start: "
                              + (stderr_text.strip().splitlines()[-1][:300] if stderr_text.strip()
                                 else f"exit code {proc.returncode}"))
    return [verdicts.get(i, Verdict(kind, "not run")) for i, kind in enumerate(kinds)]


def run_checks_sync(step, lesson_dir: Path, code: Path, timeout: float | None = None) -> list[Verdict]:
    return asyncio.run(run_checks(step, lesson_dir, code, timeout))
