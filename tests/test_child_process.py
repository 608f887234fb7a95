"""The training child process: a job in, JSON-line events out, control messages on stdin."""

import json
import subprocess
import sys
import time


def start(job):
    return subprocess.Popen([sys.executable, "-m", "models", json.dumps(job)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_events_stream_as_json_lines():
    # control off: communicate() closes stdin at once, and a closed stdin means "stop".
    proc = start({"task": "recall", "settings": {"hidden": 8, "gap": 3}, "device": "cpu",
                  "max_steps": 30, "evals": 2, "control": False})
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert kinds.count("eval") == 2
    assert events[-1]["summary"]["steps"] == 30
    assert events[-1]["summary"]["stopped_by"] == "max_steps"


def test_closing_stdin_stops_the_run():
    proc = start({"task": "recall", "settings": {"hidden": 8}, "device": "cpu", "max_seconds": 120})
    assert json.loads(proc.stdout.readline())["event"] == "started"
    proc.stdin.close()  # what happens when the app that started the run goes away
    out = proc.stdout.read()
    proc.wait(timeout=60)
    summary = json.loads(out.splitlines()[-1])["summary"]
    assert summary["stopped_by"] == "stopped" and summary["seconds"] < 60


def test_stop_and_set_while_running(corpus_file):
    proc = start({"task": "char-lm", "corpus": str(corpus_file), "device": "cpu", "max_seconds": 60,
                  "settings": {"hidden": 16, "seq": 16, "batch": 8}, "sample_every": 0.2})
    first = json.loads(proc.stdout.readline())
    assert first["event"] == "started"
    proc.stdin.write(json.dumps({"cmd": "set", "name": "temperature", "value": 0.3}) + "\n")
    proc.stdin.flush()
    seen_set = False
    deadline = time.time() + 30
    temperatures = []
    while time.time() < deadline:
        event = json.loads(proc.stdout.readline())
        seen_set |= event["event"] == "set"
        if event["event"] == "sample":
            temperatures.append(event["temperature"])
        if seen_set and temperatures and temperatures[-1] == 0.3:
            break
    assert seen_set and temperatures[-1] == 0.3  # a live setting reached the running job
    proc.stdin.write(json.dumps({"cmd": "stop"}) + "\n")
    proc.stdin.flush()
    out, _ = proc.communicate(timeout=60)
    summary = json.loads(out.splitlines()[-1])["summary"]
    assert summary["stopped_by"] == "stopped" and summary["seconds"] < 50


def test_bad_job_is_reported_as_an_event():
    proc = start({"task": "recall", "settings": {"cell": "nope"}})
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2
    event = json.loads(out.splitlines()[-1])
    assert event["event"] == "failed" and event["kind"] == "bad_input"
    assert "cell: must be one of" in event["message"]
