"""Prints the app's measured targets: startup, first loss point, key latency, speed vs headless, memory.

    python bench/app.py              # everything (about 2 minutes)
    python bench/app.py --only startup

The job is issue 4's yardstick: a char-lm with a 1-layer LSTM, hidden 256, batch 64, seq 64,
trained for --seconds in the app (a headless Pilot app, the real child-process runner) and with
`rnn-tutor train` (in-process). This process is the UI process: it never imports torch.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pty
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, print_table

LESSON = """\
schema_version: 1
id: bench
title: Bench
story: bench
summary: The app's speed yardstick.
estimated_minutes: 1
steps:
  - kind: story
    id: intro
    title: Intro
    text: Press n.
  - kind: train
    id: yardstick
    title: LSTM 1x256, batch 64, seq 64
    task: char-lm
    data: {{corpus: {corpus}}}
    settings: {{cell: lstm, hidden: 256, layers: 1, embed: 64, batch: 64, seq: 64}}
    budget: {{max_steps: 1000000, max_seconds: {seconds}}}
    evals: 4
"""


def write_lesson(folder: Path, seconds: float) -> Path:
    (folder / "bench").mkdir(parents=True, exist_ok=True)
    corpus = ROOT / "lessons" / "dracula" / "corpus.txt"
    (folder / "bench" / "lesson.yaml").write_text(LESSON.format(corpus=corpus, seconds=seconds))
    return folder


def startup(runs: int) -> list[float]:
    """Seconds from exec to the home screen's text on a pseudo-terminal (rnn-tutor, real terminal I/O)."""
    times = []
    exe = Path(sys.executable).with_name("rnn-tutor")
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "XDG_DATA_HOME": tmp, "XDG_CONFIG_HOME": tmp, "TERM": "xterm-256color",
                   "COLUMNS": "100", "LINES": "30"}
            pid, fd = pty.fork()
            if pid == 0:
                os.execve(str(exe), [str(exe)], env)
            started = time.perf_counter()
            seen = b""
            while "Pick a story" not in _plain(seen):
                ready, _, _ = select.select([fd], [], [], 10)
                if not ready:
                    raise RuntimeError("the home screen did not appear within 10 s")
                seen += os.read(fd, 65536)
            times.append(time.perf_counter() - started)
            os.write(fd, b"q")
            deadline = time.time() + 5
            while time.time() < deadline and os.waitpid(pid, os.WNOHANG) == (0, 0):
                try:
                    os.read(fd, 65536)
                except OSError:
                    pass
                time.sleep(0.02)
            os.close(fd)
    return times


def _spawn_on_pty(argv: list[str], env: dict[str, str], size=(120, 40)) -> tuple[int, int]:
    import fcntl
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        os.execve(argv[0], argv, env)
    return pid, fd


def _read_until(fd: int, text: str, timeout: float) -> float | None:
    """Read the terminal until `text` shows up in what was written; the time it took, or None."""
    started = time.perf_counter()
    seen = b""
    while time.perf_counter() - started < timeout:
        ready, _, _ = select.select([fd], [], [], 0.01)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:  # the app has exited
                return None
            if text in _plain(seen[-20000:]):
                return time.perf_counter() - started
    return None


def key_latency(lessons: Path, presses: int) -> list[float]:
    """Key -> repaint in a real terminal while a run trains: press l, wait for "(log scale)" to be drawn."""
    exe = str(Path(sys.executable).with_name("rnn-tutor"))
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_DATA_HOME": tmp, "XDG_CONFIG_HOME": tmp, "TERM": "xterm-256color"}
        pid, fd = _spawn_on_pty([exe, "open", "bench/yardstick", "--lessons", str(lessons)], env)
        _read_until(fd, "Start", 15)
        _read_until(fd, "never appears", 12)  # the warm child imports torch and prepares the job
        os.write(fd, b" ")
        _read_until(fd, "never appears", 3)  # training is under way
        latencies = []
        for i in range(2 * presses):
            _read_until(fd, "never appears", 0.15)  # drain, and let the plot redraw in between
            os.write(fd, b"l")
            took = _read_until(fd, "(log scale)", 2) if i % 2 == 0 else _read_until(fd, "never appears", 0.3)
            if i % 2 == 0 and took is not None:
                latencies.append(took)
        os.write(fd, b"q")
        _read_until(fd, "never appears", 3)
        os.close(fd)
        os.waitpid(pid, 0)
    return latencies


def _plain(raw: bytes) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw.decode("utf-8", "replace"))


async def in_app(lessons: Path, warm: bool, keys: int, tmp: Path) -> dict:
    """One run in the app; returns first-point latency, key latencies, items/s and UI memory."""
    sys.path.insert(0, str(ROOT))
    from tutor.app import TutorApp
    from tutor.lesson.search import load_library
    from tutor.widgets.train_panel import TrainPanel

    app = TutorApp(library=load_library(roots=[lessons / "bench"]), progress_path=tmp / "p.json",
                   settings_path=tmp / "s.json", warm=warm, open_target="bench/yardstick")
    result: dict = {}
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.screen.query_one(TrainPanel)
        lane = panel.lanes["run"]
        if warm:  # as when a learner reads the step before pressing Start
            while not lane.prepared:
                await pilot.pause(0.05)
        cpu_before = _cpu_seconds()
        wall_before = time.perf_counter()
        await pilot.press("space")
        while "first_step" not in panel.timings:
            await pilot.pause(0.01)
        result["first_point"] = panel.timings["first_step"] - panel.timings["start_pressed"]
        latencies = []
        for i in range(keys):
            await pilot.pause(0.2)
            if panel.state != "running":
                break
            started = time.perf_counter()
            await pilot.press("l")  # toggles the plot's log scale: a full plot redraw
            panel.query_one("#plot").redraw()
            await pilot.pause()
            latencies.append(time.perf_counter() - started)
        result["latencies"] = latencies
        while panel.state == "running":
            await pilot.pause(0.1)
        result["ui_cpu_share"] = (_cpu_seconds() - cpu_before) / (time.perf_counter() - wall_before)
        result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result["items_per_second"] = lane.summary["items_per_second"] if lane.summary else None
        result["redraws"] = panel.query_one("#plot").redraws
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def headless(lessons: Path) -> float:
    out = subprocess.run([str(Path(sys.executable).with_name("rnn-tutor")), "train", "bench/yardstick",
                          "--lessons", str(lessons), "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["items_per_second"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30, help="training budget of each run (default 30)")
    parser.add_argument("--only", choices=["startup", "training"], help="one part only")
    args = parser.parse_args()

    if args.only in (None, "startup"):
        times = startup(5)
        print("Home screen painted (exec -> 'Pick a story' on a pty), 5 launches:")
        print_table(["median s", "max s"], [[statistics.median(times), max(times)]])
        print()
    if args.only in (None, "training"):
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            lessons = write_lesson(tmp / "lessons", args.seconds)
            cold = asyncio.run(in_app(lessons, warm=False, keys=0, tmp=tmp))
            warm = asyncio.run(in_app(lessons, warm=True, keys=0, tmp=tmp))
            bare = headless(lessons)
            lat = sorted(seconds * 1000 for seconds in key_latency(lessons, presses=30))
        p90 = lat[int(0.9 * (len(lat) - 1))] if lat else float("nan")
        print(f"Training: char-lm LSTM 1x256, batch 64, seq 64, {args.seconds:g} s budget, cpu")
        print_table(
            ["measure", "value", "target"],
            [["first loss point after Start, warm child (s)", warm["first_point"], "< 1"],
             ["first loss point after Start, cold child (s)", cold["first_point"], "< 7"],
             ["key -> repaint median (ms), real pty, training", statistics.median(lat) if lat else "-", "< 50"],
             ["key -> repaint p90 (ms)", p90, ""],
             ["key -> repaint max (ms)", max(lat) if lat else "-", "< 200"],
             ["app chars/s", warm["items_per_second"], ""],
             ["headless chars/s (rnn-tutor train)", bare, ""],
             ["app / headless", warm["items_per_second"] / bare, ">= 0.9"],
             ["UI process peak memory (MB)", warm["rss_mb"], "< 150"],
             ["UI process CPU while training (cores)", warm["ui_cpu_share"], ""],
             ["plot redraws in the run", warm["redraws"], "~4/s at most"]])


if __name__ == "__main__":
    main()
