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


async def until(condition, timeout=60.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_a_warm_child_reports_devices_prepares_the_job_and_starts_it_on_go():
    events = []
    job = {**TINY, "max_steps": 20, "evals": 1}

    async def go():
        r = TrainingRun(None, events.append)
        await r.warm()
        await until(lambda: any(e["event"] == "ready" for e in events))
        await r.prepare(job)
        await until(lambda: any(e["event"] == "prepared" for e in events))
        assert not any(e["event"] == "started" for e in events)  # prepared, not running
        await r.start(job)
        return await r.wait()

    summary = run(go())
    ready = next(e for e in events if e["event"] == "ready")
    assert ready["devices"][-1]["name"] == "cpu"
    assert summary["steps"] == 20


def test_a_warm_child_given_another_job_runs_that_one():
    events = []

    async def go():
        r = TrainingRun(None, events.append)
        await r.warm()
        await r.prepare({**TINY, "max_steps": 20})
        await r.start({**TINY, "max_steps": 7, "evals": 1})  # the knobs changed after preparing
        return await r.wait()

    assert run(go())["steps"] == 7


def test_an_unused_warm_child_closes_quietly():
    events = []

    async def go():
        r = TrainingRun(None, events.append)
        await r.warm()
        await until(lambda: events)
        await r.close()
        return r

    r = run(go())
    assert r.process.returncode == 0
    assert [e["event"] for e in events] == ["ready"]  # no "failed" for a child nobody started


def test_a_serving_child_answers_predictions_after_the_run_until_closed():
    events = []
    job = {"task": "classify", "device": "cpu", "settings": {"hidden": 8, "embed": 4}, "max_steps": 5,
           "evals": 1, "serve": True}

    async def go():
        r = TrainingRun(job, events.append)
        await r.start()
        await until(lambda: r.summary is not None)
        await r.predict(["Rossi", "Schmidt"], request_id=7)
        await until(lambda: any(e["event"] == "prediction" for e in events))
        assert r.running  # still serving
        await r.close()
        return r

    r = run(go())
    prediction = next(e for e in events if e["event"] == "prediction")
    assert prediction["id"] == 7 and [row["name"] for row in prediction["rows"]] == ["Rossi", "Schmidt"]
    assert len(prediction["rows"][0]["guesses"]) == 3
    assert r.process.returncode == 0
