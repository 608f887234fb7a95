"""Provides the training child process: a job spec in, JSON-line events out.

    python -m models '{"task": "recall", "settings": {"gap": 20}, "max_seconds": 30}'

The app starts this in its own process so that torch, a crash, an out-of-memory error or a
runaway run can never freeze or kill the UI. Each event is one JSON object per line on stdout.
Control messages arrive one JSON object per line on stdin: {"cmd": "pause"}, {"cmd": "resume"},
{"cmd": "stop"}, {"cmd": "set", "name": "temperature", "value": 0.5}. Closing stdin stops the
run, so a parent that dies takes its child with it.
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


def _listen(trainer) -> None:
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
            else:
                _emit({"event": "warning", "message": f"unknown command {cmd!r}"})
        except (ValueError, KeyError, AttributeError, SettingError) as err:
            _emit({"event": "warning", "message": f"bad control message {line.strip()[:80]!r}: {err}"})
    trainer.stop()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        job = json.loads(args[0] if args else sys.stdin.readline())
        if not isinstance(job, dict) or "task" not in job:
            raise ValueError("a job is a JSON object with at least a task")
    except (ValueError, IndexError) as err:
        _emit({"event": "failed", "kind": "bad_input", "message": f"bad job spec: {err}"})
        return EXIT_BAD_INPUT
    threads = prepare_threads(job.get("threads"))
    import torch

    torch.set_num_threads(threads)
    from .catalog import Goal, SettingError
    from .data import DataError
    from .devices import DeviceError
    from .trainer import CheckpointError, Trainer

    try:
        goal = job.get("goal")
        trainer = Trainer(
            job["task"], job.get("settings") or {}, device=job.get("device", "auto"),
            max_steps=job.get("max_steps"), max_seconds=job.get("max_seconds"),
            evals=job.get("evals", 10), sample_every=job.get("sample_every"),
            corpus=job.get("corpus"), names=job.get("names"), checkpoint=job.get("checkpoint"),
            resume=job.get("resume"), goal=Goal(goal["metric"], goal["threshold"]) if goal else None,
            stop_at_goal=bool(job.get("stop_at_goal")), on_event=_emit,
        )
    except (SettingError, DeviceError, DataError, CheckpointError, KeyError, TypeError) as err:
        _emit({"event": "failed", "kind": "bad_input", "message": str(err)})
        return EXIT_BAD_INPUT
    if job.get("control", True):
        threading.Thread(target=_listen, args=(trainer,), daemon=True).start()
    summary = trainer.run()
    return 1 if summary["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
