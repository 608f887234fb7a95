"""Provides the training child process: a job spec in, JSON-line events out.

    python -m models '{"task": "recall", "settings": {"gap": 20}, "max_seconds": 30}'
    python -m models --warm        # import torch now, say "ready", then read the job from stdin

The app starts this in its own process so that torch, a crash, an out-of-memory error or a
runaway run can never freeze or kill the UI. Each event is one JSON object per line on stdout.
Control messages arrive one JSON object per line on stdin: {"cmd": "pause"}, {"cmd": "resume"},
{"cmd": "stop"}, {"cmd": "set", "name": "temperature", "value": 0.5}, {"cmd": "sample"},
{"cmd": "predict", "names": ["Harker"], "id": 3}. Closing stdin stops the run, so a parent that
dies takes its child with it. A job with "serve": true keeps answering predict and sample
requests after the run has finished, until stdin closes.

Warm mode exists because importing torch takes seconds: the app starts a warm child while the
learner reads a train step, so the first loss point follows Start within a second.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from .runtime import prepare_threads

EXIT_BAD_INPUT = 2


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event, default=str) + "\n")
    sys.stdout.flush()


def _listen(trainer, closed: threading.Event) -> None:
    from .catalog import SettingError

    for line in sys.stdin:
        try:
            message = json.loads(line)
            cmd = message.get("cmd")
            if cmd == "pause":
                trainer.pause()
            elif cmd == "resume":
                trainer.resume()
            elif cmd == "stop":
                trainer.stop()
            elif cmd == "set":
                trainer.set(message["name"], message["value"])
                _emit({"event": "set", "name": message["name"], "value": message["value"]})
            elif cmd in ("predict", "sample"):
                trainer.request(message)
            else:
                _emit({"event": "warning", "message": f"unknown command {cmd!r}"})
        except (ValueError, KeyError, AttributeError, SettingError) as err:
            _emit({"event": "warning", "message": f"bad control message {line.strip()[:80]!r}: {err}"})
    trainer.stop()
    closed.set()


def _read_job(args: list[str]) -> dict[str, Any]:
    job = json.loads(args[0] if args else sys.stdin.readline())
    if not isinstance(job, dict) or "task" not in job:
        raise ValueError("a job is a JSON object with at least a task")
    return job


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    warm = args[:1] == ["--warm"]
    job: dict[str, Any] | None = None
    if not warm:
        try:
            job = _read_job(args)
        except (ValueError, IndexError) as err:
            _emit({"event": "failed", "kind": "bad_input", "message": f"bad job spec: {err}"})
            return EXIT_BAD_INPUT
    threads = prepare_threads(job.get("threads") if job else None)
    import torch

    torch.set_num_threads(threads)
    from .catalog import SettingError
    from .data import DataError
    from .devices import DeviceError, available_devices
    from .trainer import CheckpointError, Trainer

    trainer = None
    if warm:
        _emit({"event": "ready", "devices": [{"name": d.name, "description": d.description}
                                             for d in available_devices()]})
        # Lines until the job starts: {"prepare": JOB} builds its trainer ahead (data read, model
        # made) and says "prepared"; {"cmd": "go"} starts the prepared job; a plain JOB starts
        # that job. An empty line (stdin closed) means the app did not need this child.
        prepared: tuple[dict[str, Any], Any] | None = None
        while True:
            line = sys.stdin.readline()
            if not line.strip():
                return 0
            try:
                message = json.loads(line)
                if not isinstance(message, dict):
                    raise ValueError("expected a JSON object")
            except ValueError as err:
                _emit({"event": "failed", "kind": "bad_input", "message": f"bad job spec: {err}"})
                return EXIT_BAD_INPUT
            if "prepare" in message:
                try:
                    prepared = (message["prepare"], Trainer.from_job(message["prepare"], on_event=_emit))
                    _emit({"event": "prepared"})
                except (SettingError, DeviceError, DataError, CheckpointError, KeyError, TypeError) as err:
                    prepared = None
                    _emit({"event": "warning", "message": f"could not prepare the run: {err}"})
                continue
            if message.get("cmd") == "go":
                if prepared is None:
                    _emit({"event": "failed", "kind": "bad_input",
                           "message": "the run could not be prepared; the warning before says why"})
                    return EXIT_BAD_INPUT
                job, trainer = prepared
                break
            try:
                job = _read_job([line])
            except ValueError as err:
                _emit({"event": "failed", "kind": "bad_input", "message": f"bad job spec: {err}"})
                return EXIT_BAD_INPUT
            break
    assert job is not None
    if trainer is None:
        try:
            trainer = Trainer.from_job(job, on_event=_emit)
        except (SettingError, DeviceError, DataError, CheckpointError, KeyError, TypeError) as err:
            _emit({"event": "failed", "kind": "bad_input", "message": str(err)})
            return EXIT_BAD_INPUT
    closed = threading.Event()
    if job.get("control", True):
        threading.Thread(target=_listen, args=(trainer, closed), daemon=True).start()
    summary = trainer.run()
    if job.get("serve") and job.get("control", True) and not summary["failed"]:
        while not closed.wait(0.05):
            trainer.answer_requests()
    return 1 if summary["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
