"""A web page open in the teacher's browser must not open a tab on `rnn-tutor serve` and type into it."""

from __future__ import annotations

import asyncio
import re
import subprocess

import aiohttp
import pytest

from test_serve import CLI, fetch, free_port
from tutor.serve import host_allowed, open_tab, origin_matches


@pytest.fixture(scope="module")
def served():
    port = free_port()
    process = subprocess.Popen([*CLI, "serve", "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        fetch(f"http://127.0.0.1:{port}/")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


async def handshake(url: str, origin: str | None, headers: dict | None = None) -> int:
    """The HTTP status the server answers a websocket handshake with (101: a tab opened)."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, origin=origin, headers=headers or {}) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as err:
            return err.status


def tab_url(port: int) -> str:
    page = fetch(f"http://127.0.0.1:{port}/")
    return re.search(r'data-session-websocket-url="([^"]*)"', page).group(1)


def test_a_foreign_origin_a_missing_token_and_a_reused_token_are_refused(served):
    port = served
    own = f"http://127.0.0.1:{port}"
    # A page from another site: the browser sends its Origin; the token it cannot read anyway.
    assert asyncio.run(handshake(tab_url(port), "http://evil.example")) == 403
    assert asyncio.run(handshake(tab_url(port), None)) == 403  # no Origin at all
    # textual-serve's own /ws, without a token, opens nothing.
    assert asyncio.run(handshake(f"ws://127.0.0.1:{port}/ws", own)) == 403
    assert asyncio.run(handshake(f"ws://127.0.0.1:{port}/ws/made-up-token", own)) == 403
    # The page's own token works once, from the page's own origin.
    url = tab_url(port)
    assert asyncio.run(handshake(url, own)) == 101
    assert asyncio.run(handshake(url, own)) == 403


def test_a_rebound_dns_name_gets_no_page_and_no_tab(served):
    port = served
    async def get(host: str) -> int:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/", headers={"Host": host}) as response:
                return response.status
    assert asyncio.run(get(f"evil.example:{port}")) == 403
    assert asyncio.run(get(f"localhost:{port}")) == 200
    url = tab_url(port)
    assert asyncio.run(handshake(url, f"http://evil.example:{port}", {"Host": f"evil.example:{port}"})) == 403


def test_the_real_page_still_opens_its_tab(served):
    seconds = asyncio.run(open_tab(f"http://127.0.0.1:{served}", marker=b"Frankenstein", timeout=60))
    assert seconds < 60


def test_host_and_origin_rules():
    assert host_allowed("127.0.0.1:8000", "127.0.0.1") and host_allowed("localhost:8000", "127.0.0.1")
    assert host_allowed("[::1]:8000", "127.0.0.1")
    assert not host_allowed("evil.example:8000", "127.0.0.1")
    assert not host_allowed("192.168.1.5:8000", "127.0.0.1")  # loopback server, LAN address in Host
    assert host_allowed("192.168.1.5:8000", "0.0.0.0") and not host_allowed("evil.example", "0.0.0.0")
    assert origin_matches("http://127.0.0.1:8000", "http", "127.0.0.1:8000")
    assert not origin_matches("http://127.0.0.1:9999", "http", "127.0.0.1:8000")
    assert not origin_matches(None, "http", "127.0.0.1:8000")
