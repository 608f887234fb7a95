"""Provides `rnn-tutor serve`: the app in browsers (textual-serve), one app process per tab.

Each browser tab gets its own `rnn-tutor --served` process with its own progress, settings and
code copies in a temporary folder (deleted when the tab closes), so a class does not share one
learner's progress. The students' code steps would run their Python on this machine, so they are
off unless the teacher starts the server with --allow-code.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import shlex
import socket
import sys

LOOPBACK_NAMES = ("localhost",)
LINK = re.compile(r"<link\s[^>]*href=\"(https?://[^\"]*)\"[^>]*>", re.S)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(lessons: list[str], device: str | None, allow_code: bool) -> str:
    """The shell command textual-serve starts for each browser tab."""
    words = [sys.executable, "-m", "tutor.cli", "--served"]
    for folder in lessons:
        words += ["--lessons", folder]
    if device:
        words += ["--device", device]
    if allow_code:
        words.append("--allow-code")
    return " ".join(shlex.quote(w) for w in words)


def lan_addresses() -> list[str]:
    """This machine's addresses other machines may reach (best effort, no network traffic)."""
    found: list[str] = []
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, family=socket.AF_INET):
            address = info[4][0]
            if not ipaddress.ip_address(address).is_loopback and address not in found:
                found.append(address)
    except OSError:
        pass
    return found


def make_server(command: str, host: str, port: int):
    from textual_serve.server import Server

    class ClassroomServer(Server):
        """Links in the page follow the address the browser used, so one server answers on
        localhost and on the classroom network alike (textual-serve's own are fixed at start)."""

        async def handle_index(self, request):
            self.public_url = f"{request.scheme}://{request.host}"
            page = await super().handle_index(request)
            # Nothing is fetched from the internet: the page's web font falls back to a local
            # monospace font (a classroom network may have no way out anyway).
            own = self.public_url + "/"
            page.text = LINK.sub(lambda m: m.group(0) if m.group(1).startswith(own) else "", page.text)
            return page

    return ClassroomServer(command, host=host, port=port, title="rnn-tutor")


def run_serve(args: argparse.Namespace) -> int:
    lessons = [str(p) for p in args.lessons]
    command = app_command(lessons, args.device, args.allow_code)
    host, port = args.host, args.port
    try:
        # Fail here, with a plain message, rather than inside aiohttp's start-up.
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as err:
        print(f"rnn-tutor serve: cannot listen on {host}:{port}: {err.strerror or err}", file=sys.stderr)
        return 2
    where = f"http://{'127.0.0.1' if host in ('localhost', '127.0.0.1') else host}:{port}/"
    print(f"rnn-tutor: serving the app to browsers at {where}  (each tab is its own app; Ctrl+C stops)")
    print(f"  bigger text for a projector: {where}?fontsize=24")
    if not is_loopback(host):
        print(f"warning: listening on {host}: everyone on this network who can reach this machine can "
              "open rnn-tutor here and train on its processor.", file=sys.stderr)
        if host in ("0.0.0.0", "::"):
            for address in lan_addresses():
                print(f"  students open http://{address}:{port}/")
    if args.allow_code:
        print("warning: --allow-code: students' code steps run their Python on this machine, as you.",
              file=sys.stderr)
    sys.stdout.flush()
    server = make_server(command, host, port)
    server.serve()
    return 0


async def open_tab(base_url: str, marker: bytes = b"Dracula", width: int = 100, height: int = 30,
                   timeout: float = 60.0, keep_open: float = 0.0,
                   keys: list[tuple[str, bytes]] | None = None) -> float:
    """Open one tab's connection the way the page does and return the seconds until the app's
    first screen holding `marker` arrived (the tab is interactive then). Then, for each
    (key, shows) of `keys`, type the key as the page sends it and wait until the screen shows
    that text (a person, too, looks before the next key). For tests and bench/."""
    import asyncio
    import time

    import aiohttp

    started = time.monotonic()
    screen = bytearray()
    closed = asyncio.Event()

    async def read(ws) -> None:
        # Read all the time, like the page: a client that stops reading makes the server, and
        # then the app writing to it, wait.
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                screen.extend(message.data)
                del screen[:-65536]
        closed.set()

    async def shows(text: bytes) -> None:
        while text not in screen:
            if closed.is_set():
                raise ConnectionError("the server closed the tab")
            if time.monotonic() - started > timeout:
                shown = re.sub(r"\x1b\[[0-9;?<>]*[A-Za-z]|\x1b\][^\x07]*\x07", " ", bytes(screen[-3000:]).decode(errors="replace"))
                raise TimeoutError(f"no screen with {text!r} within {timeout:g} s; the screen ended with: "
                                   f"{' '.join(shown.split())[-400:]}")
            await asyncio.sleep(0.05)

    async with aiohttp.ClientSession() as session:
        url = f"{base_url.rstrip('/')}/ws?width={width}&height={height}"
        async with session.ws_connect(url) as ws:
            reader = asyncio.ensure_future(read(ws))
            try:
                await shows(marker)
                ready = time.monotonic() - started
                if keys:
                    await asyncio.sleep(1.0)  # the first screen arrives in pieces; let it settle
                for key, expected in keys or []:
                    screen.clear()
                    await ws.send_json(["stdin", key])
                    await shows(expected)
                if keep_open:
                    await asyncio.sleep(keep_open)
                return ready
            finally:
                reader.cancel()
