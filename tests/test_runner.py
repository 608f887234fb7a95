"""The UI's runner: a child process relayed as events, surviving whatever the child does."""

import asyncio
import os
import signal

from tutor.runner import TrainingRun

TINY = {"task": "recall", "device": "cpu", "settings": {"hidden": 8, "gap": 3}}


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 120))


def test_events_arrive_in_order_and_the_summary_is_kept():
    events = []

    async def go():
        r = TrainingRun({**TINY, "max_steps": 40, "evals": 2}, events.append)
        await r.start()
        return await r.wait()

    summary = run(go())
    kinds = [e["event"] for e in events]
    assert kinds[0] == "started" and kinds[-1] == "finished" and kinds.count("eval") == 2
    assert summary["steps"] == 40


async def started(events, **job):
    """A run that has sent its first event, so it is really training."""
    r = TrainingRun({**TINY, **job}, events.append)
    await r.start()
    while not events:
        await asyncio.sleep(0.05)
    return r


def test_pause_set_and_stop():
    events = []

    async def go():
        r = await started(events, max_seconds=60)
        await r.pause()
        await r.set("lr", 0.001)
        await r.resume()
        await r.stop()
        return r

    r = run(go())
    assert not r.running
    assert r.summary["stopped_by"] == "stopped" and r.summary["seconds"] < 30
    assert any(e["event"] == "set" and e["name"] == "lr" for e in events)


def test_a_killed_child_is_reported_not_raised():
    events = []

    async def go():
        r = await started(events, max_seconds=60)
        os.kill(r.process.pid, signal.SIGKILL)
        await r.wait()
        return r

    r = run(go())
    assert r.failed["kind"] == "crashed"
    assert "killed by SIGKILL" in r.failed["message"] and "memory" in r.failed["message"]
    assert events[-1]["event"] == "failed"


def test_a_bad_job_is_a_failed_event():
    events = []

    async def go():
        r = TrainingRun({"task": "recall", "settings": {"cell": "nope"}}, events.append)
        await r.start()
        await r.wait()
        return r

    r = run(go())
    assert r.failed["kind"] == "bad_input" and "cell: must be one of" in r.failed["message"]
