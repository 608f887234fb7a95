"""Provides training runs in a child process, relayed as events: the app's only way to torch.

The child is `python -m models JOB` (models/__main__.py): JSON-line events out, control messages
in. Torch never loads in the UI process, and whatever happens in the child (an exception, NaN,
out of memory, a kill) arrives here as a `failed` event while the app keeps running.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from typing import Any, Callable

Event = dict[str, Any]

STOP_GRACE_SECONDS = 5.0
"""After asking the child to stop, how long it may take to write its summary before it is ended."""
STREAM_LIMIT = 16 * 1024 * 1024
"""Largest event line accepted (a sample with a confusion matrix is a few KB)."""


class TrainingRun:
    """One training job in a child process; `on_event` receives its events in order.

    Either `start()` at once, or `warm()` first (the child imports torch and reports `ready` with
    the devices it found) and `start(job)` later: the job then begins within a second.
    """

    def __init__(self, job: dict[str, Any] | None, on_event: Callable[[Event], None],
                 python: str = sys.executable):
        self.job = job
        self.on_event = on_event
        self.python = python
        self.process: asyncio.subprocess.Process | None = None
        self.summary: dict[str, Any] | None = None
        self.failed: Event | None = None
        self.started = False
        self.prepared: dict[str, Any] | None = None
        self._reader: asyncio.Task | None = None
        self._ended_by_us = False
        """The app killed the child because it did not answer (not the system, not a crash)."""

    async def _spawn(self, *args: str) -> None:
        self.process = await asyncio.create_subprocess_exec(
            self.python, "-m", "models", *args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._relay())

    def detach(self) -> None:
        """Stop delivering events (their reader is going away); the child still runs until closed."""
        self.on_event = _ignore

    async def warm(self) -> None:
        """Start the child without a job, so torch is imported before the learner presses Start."""
        if self.process is None:
            await self._spawn("--warm")

    async def prepare(self, job: dict[str, Any]) -> None:
        """Let a warm child build `job`'s trainer now (data, model); `start` with an equal job is then instant."""
        if self.process is not None and not self.started:
            self.prepared = job
            await self.send({"prepare": job})

    async def start(self, job: dict[str, Any] | None = None) -> None:
        self.job = job or self.job
        if self.job is None:
            raise ValueError("no job to start")
        self.started = True
        if self.process is None or self.process.returncode is not None:
            await self._spawn(json.dumps(self.job))  # no warm child, or it died while waiting
        elif self.prepared == self.job:
            await self.send({"cmd": "go"})
        else:
            await self.send(self.job)

    async def _relay(self) -> None:
        from .streams import Tail, bounded_lines, read_tail

        assert self.process is not None and self.process.stdout is not None
        errors_tail = Tail()
        stderr_task = asyncio.create_task(read_tail(self.process.stderr, errors_tail))
        async for raw in bounded_lines(self.process.stdout, STREAM_LIMIT):
            if raw is None:
                self.on_event({"event": "warning", "message": "The training process wrote a line too long to "
                                                              "read; it was skipped."})
                continue
            try:
                event = json.loads(raw)
            except ValueError:
                continue  # a stray print from a library; events are whole JSON lines
            if not isinstance(event, dict):
                continue
            if event.get("event") == "finished":
                self.summary = event.get("summary")
            elif event.get("event") == "failed":
                self.failed = event
            self.on_event(event)
        code = await self.process.wait()
        await stderr_task
        errors = errors_tail.text().strip()
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()  # lets the transport finish while the event loop still runs
        if self.summary is None and self.failed is None and self.started:
            message = ("the training process stopped answering and was ended (was it paused or stopped "
                       "from outside?); press Start to train again") if self._ended_by_us else _crash_message(code, errors)
            self.failed = {"event": "failed", "kind": "crashed", "message": message,
                           "traceback": errors[-4000:]}
            self.on_event(self.failed)

    async def send(self, message: dict[str, Any]) -> None:
        if self.process is None or self.process.stdin is None or self.process.returncode is not None:
            return
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            await self.process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the child is already gone; the relay reports how it ended

    async def pause(self) -> None:
        await self.send({"cmd": "pause"})

    async def resume(self) -> None:
        await self.send({"cmd": "resume"})

    async def set(self, name: str, value: Any) -> None:
        await self.send({"cmd": "set", "name": name, "value": value})

    async def predict(self, names: list[str], request_id: int = 0) -> None:
        """Ask the model for its guesses; a `prediction` event answers (also after the run, with serve)."""
        await self.send({"cmd": "predict", "names": names, "id": request_id})

    async def request_sample(self) -> None:
        await self.send({"cmd": "sample"})

    async def stop(self) -> None:
        """Ask the child to stop and summarise; end it if it does not within the grace period.

        A job with "serve" keeps its child alive after the summary (to answer predictions), so
        this waits for the summary, not for the process; `close` ends the process.
        """
        if self.process is None:
            return
        if not self.started:
            await self.close()
            return
        await self.send({"cmd": "stop"})
        try:
            await asyncio.wait_for(self._until_summary(), STOP_GRACE_SECONDS)
        except asyncio.TimeoutError:
            await self.close(grace=0)

    async def _until_summary(self) -> None:
        while self.summary is None and self.failed is None and self.running:
            await asyncio.sleep(0.02)
        if not (self.job or {}).get("serve"):
            await self.wait()

    async def close(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """End the child: close its stdin (it stops and exits), kill it if it lingers."""
        if self.process is None:
            return
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.wait(), grace or 0.001)
        except asyncio.TimeoutError:
            if self.process.returncode is None:
                self._ended_by_us = True
                self.process.kill()
            await self.wait()

    async def wait(self) -> dict[str, Any] | None:
        """Until the child has ended and every event is relayed; the summary, if there is one."""
        if self._reader is not None:
            await asyncio.shield(self._reader)
        return self.summary

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None


def _ignore(event: Event) -> None:
    pass


def _crash_message(code: int, errors: str) -> str:
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        hint = " (this is often the system running out of memory)" if -code == signal.SIGKILL else ""
        return f"the training process was killed by {name}{hint}; try a smaller batch or hidden size"
    last = errors.splitlines()[-1] if errors else "no message"
    return f"the training process ended unexpectedly (exit code {code}): {last}"
