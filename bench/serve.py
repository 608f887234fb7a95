"""Serving to a class: memory per browser tab and seconds until a tab is interactive.

Starts `rnn-tutor serve` on a free loopback port, opens N tabs at once (N = 1, 4, 8) the way the
page does (a websocket each; every tab is its own app process), waits for each tab's first screen,
then reads the memory of the processes the server started for them (a tab's app; with
--training, a tab that also starts a run on the visitors' step, so its training process too). Loopback only, and
every step has a time limit. Run: python bench/serve.py [--sessions 1 4 8] [--timeout 90]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _common import ROOT, print_table

from tutor.serve import open_tab


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc; Linux only)."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").iterdir():
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                found.append(kid)
                frontier.append(kid)
    return found


def memory_mb(pid: int, field: str = "Pss") -> float:
    """Resident memory of one process: Rss counts shared libraries in full in every process,
    Pss shares them out among the processes that map them (the fair "per tab" number)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def wait_for_page(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


TRAIN_KEYS = [("c", b"step 1 of 19"), ("P", b"leaves it"),
              *[("n", f"step {i} of 19".encode()) for i in range(2, 15)], (" ", b"names/s")]
"""From the lesson picker: continue into Dracula, presenter mode (the arrows and n skip the code
editor), thirteen steps on to the visitors' train step, and Start."""


async def open_tabs(base: str, n: int, timeout: float, hold: float, train: bool) -> list[float]:
    keys = TRAIN_KEYS if train else None
    return await asyncio.gather(*(open_tab(base, timeout=timeout, keep_open=hold, keys=keys)
                                  for _ in range(n)))


def measure(n: int, timeout: float, train: bool = False) -> list:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tutor.cli", "serve", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_page(base + "/", timeout)
        server_mb = memory_mb(server.pid, "Rss")
        samples: list[tuple[float, float]] = []

        async def run() -> list[float]:
            tabs = asyncio.ensure_future(open_tabs(base, n, timeout, hold=3.0, train=train))
            while not tabs.done():  # sample while every tab is open and idle on its home screen
                await asyncio.sleep(0.5)
                tabs_now = children(server.pid)
                samples.append((sum(memory_mb(p) for p in tabs_now), sum(memory_mb(p, "Rss") for p in tabs_now)))
            return tabs.result()

        ready = asyncio.run(asyncio.wait_for(run(), timeout + 10))
        pss, rss = max(samples)
        return ["training" if train else "lesson picker", n, statistics.median(ready), max(ready),
                pss / n, rss / n, server_mb]
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="*", default=[1, 4, 8])
    parser.add_argument("--training", type=int, nargs="*", default=[1, 2],
                        help="also tabs that each start a training run (default 1 2)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds a tab may take (default 90)")
    args = parser.parse_args()
    print(f"rnn-tutor serve on loopback, {os.cpu_count()} cores; each tab is its own app process")
    rows = [measure(n, args.timeout) for n in args.sessions]
    rows += [measure(n, args.timeout, train=True) for n in args.training]
    print_table(["tabs on", "tabs", "interactive median s", "slowest s", "MB per tab (PSS)", "(RSS)",
                 "server MB"], rows)


if __name__ == "__main__":
    main()
