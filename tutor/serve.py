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
import secrets
import shlex
import socket
import sys
import time

LOOPBACK_NAMES = ("localhost",)
LINK = re.compile(r"<link\s[^>]*href=\"(https?://[^\"]*)\"[^>]*>", re.S)
WS_URL = re.compile(r'(data-session-websocket-url=")([^"]*/ws)(")')
TOKEN_SECONDS = 120
"""A page's tab token must be used within this time, once: long enough for a slow page load."""
MAX_TOKENS = 1000
"""Tokens of pages that never opened their tab are forgotten past this many (and when they expire)."""


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


def host_allowed(header_host: str, bound: str) -> bool:
    """Whether a request's Host header names this server, not a name someone pointed at it.

    A web page on another site can make the teacher's browser talk to 127.0.0.1 through a DNS name
    of its own that resolves there (DNS rebinding); its requests then carry that name as Host. This
    server answers only to IP addresses (loopback ones when it is bound to loopback), localhost and
    this machine's own names."""
    name = header_host.rsplit(":", 1)[0] if not header_host.endswith("]") else header_host
    if header_host.startswith("["):
        name = header_host[1:].split("]", 1)[0]
    name = name.strip().lower().rstrip(".")
    if not name:
        return False
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        if name == "localhost":
            return True
        if is_loopback(bound):
            return False
        own = {socket.gethostname().lower(), socket.getfqdn().lower()}
        return name in own
    return address.is_loopback or not is_loopback(bound)


def origin_matches(origin: str | None, scheme: str, header_host: str) -> bool:
    """A browser's websocket carries the page's Origin: only this server's own page may open a tab."""
    return origin is not None and origin.rstrip("/").lower() == f"{scheme}://{header_host}".lower()


def make_server(command: str, host: str, port: int):
    from aiohttp import web
    from textual_serve.server import Server

    class ClassroomServer(Server):
        """Links in the page follow the address the browser used, so one server answers on
        localhost and on the classroom network alike (textual-serve's own are fixed at start).

        A tab is a process that types into rnn-tutor on this machine, so a websocket opens one
        only when (1) its Host names this server, (2) its Origin is this server's own page and (3)
        it presents the one-time token that page was given: another site open in the teacher's
        browser can load none of these."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.tokens: dict[str, float] = {}

        async def _make_app(self):
            app = await super()._make_app()
            app.router.add_get("/ws/{token}", self.handle_websocket, name="tab")
            return app

        def _refuse(self, request, why: str):
            print(f"rnn-tutor serve: refused {request.path} from {request.remote}: {why}", file=sys.stderr)
            return web.Response(status=403, text=f"refused: {why}\n")

        def _new_token(self) -> str:
            now = time.monotonic()
            for old, expires in list(self.tokens.items()):
                if expires < now:
                    del self.tokens[old]
            while len(self.tokens) >= MAX_TOKENS:
                del self.tokens[next(iter(self.tokens))]
            token = secrets.token_urlsafe(24)
            self.tokens[token] = now + TOKEN_SECONDS
            return token

        async def handle_index(self, request):
            if not host_allowed(request.host, host):
                return self._refuse(request, f"this server does not answer to the name {request.host!r}")
            self.public_url = f"{request.scheme}://{request.host}"
            page = await super().handle_index(request)
            # Nothing is fetched from the internet: the page's web font falls back to a local
            # monospace font (a classroom network may have no way out anyway).
            own = self.public_url + "/"
            page.text = LINK.sub(lambda m: m.group(0) if m.group(1).startswith(own) else "", page.text)
            token = self._new_token()
            page.text = WS_URL.sub(lambda m: f"{m.group(1)}{m.group(2)}/{token}{m.group(3)}", page.text)
            page.headers["Cache-Control"] = "no-store"  # a token is for one page load
            return page

        async def handle_websocket(self, request):
            if not host_allowed(request.host, host):
                return self._refuse(request, f"this server does not answer to the name {request.host!r}")
            if not origin_matches(request.headers.get("Origin"), request.scheme, request.host):
                return self._refuse(request, f"a page from {request.headers.get('Origin')!r} may not open a tab")
            token = request.match_info.get("token")
            expires = self.tokens.pop(token, None) if token else None
            if expires is None or expires < time.monotonic():
                return self._refuse(request, "no valid tab token (reload the page)")
            return await super().handle_websocket(request)

        async def handle_download(self, request):
            if not host_allowed(request.host, host):
                return self._refuse(request, f"this server does not answer to the name {request.host!r}")
            return await super().handle_download(request)

    return ClassroomServer(command, host=host, port=port, title="rnn-tutor")


def run_serve(args: argparse.Namespace) -> int:
    lessons = [str(p) for p in args.lessons]
    command = app_command(lessons, args.device, args.allow_code)
    host, port = args.host.strip() or "0.0.0.0", args.port  # "" binds every interface: say so
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
        async with session.get(base_url.rstrip("/") + "/") as response:
            page = await response.text()
        tab_url = re.search(r'data-session-websocket-url="([^"]*)"', page)
        if tab_url is None:
            raise ConnectionError(f"the page at {base_url} has no tab address")
        url = f"{tab_url.group(1)}?width={width}&height={height}"
        async with session.ws_connect(url, origin=base_url.rstrip("/")) as ws:
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
