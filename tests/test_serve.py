"""`rnn-tutor serve`: a real server on a free loopback port, its page, and a tab's own app process."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tutor.serve import app_command, is_loopback, open_tab

CLI = [sys.executable, "-m", "tutor.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def server():
    port = free_port()
    process = subprocess.Popen([*CLI, "serve", "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_serve_answers_on_loopback_and_each_tab_runs_its_own_app(server):
    port, process = server
    page = fetch(f"http://127.0.0.1:{port}/")
    assert f"ws://127.0.0.1:{port}/ws" in page  # the page's link follows the address used
    assert "textual.js" in page and "googleapis" not in page  # nothing fetched from the internet
    assert f"ws://localhost:{port}/ws" in fetch(f"http://localhost:{port}/")
    seconds = asyncio.run(open_tab(f"http://127.0.0.1:{port}", marker=b"Frankenstein", timeout=60))
    assert seconds < 60
    process.terminate()
    out, err = process.communicate(timeout=15)
    assert f"http://127.0.0.1:{port}/" in out and "warning" not in err


def test_another_host_warns_that_the_network_can_open_it():
    port = free_port()
    process = subprocess.Popen([*CLI, "serve", "--host", "0.0.0.0", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        fetch(f"http://127.0.0.1:{port}/")
    finally:
        process.terminate()
        out, err = process.communicate(timeout=15)
    assert "warning: listening on 0.0.0.0" in err and "everyone on this network" in err


def test_a_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([*CLI, "serve", "--port", str(port)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_loopback_is_recognised_and_the_tab_command_is_quoted():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20") and not is_loopback("classroom.local")
    command = app_command(["/home/a teacher/lessons"], "cpu", allow_code=False)
    assert "--served" in command and "'/home/a teacher/lessons'" in command and "--allow-code" not in command
