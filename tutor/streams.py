"""Provides bounded reading of a child process's output: whole lines up to a size, a tail of the rest.

A child's output is input from outside: learner code can print forever, write a megabyte with no
newline, or hand its pipe to grandchildren that outlive it. Readers here never hold more than a
bound, and say what they dropped.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import AsyncIterator

CHUNK = 65536


async def bounded_lines(stream: asyncio.StreamReader, limit: int) -> AsyncIterator[bytes | None]:
    """Yield each line (without its newline) of at most `limit` bytes; None for each longer line,
    which is read past and dropped, never held whole."""
    pending = bytearray()
    too_long = False
    while True:
        chunk = await stream.read(CHUNK)
        if not chunk:
            break
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                if not too_long:
                    pending += chunk[start:]
                    if len(pending) > limit:
                        too_long, pending = True, bytearray()
                break
            if too_long:
                yield None
            else:
                pending += chunk[start:end]
                if len(pending) > limit:
                    yield None
                else:
                    yield bytes(pending)
            pending, too_long = bytearray(), False
            start = end + 1
    if too_long:
        yield None
    elif pending:
        yield bytes(pending)


class Tail:
    """The last `keep` bytes of a stream and how many bytes it wrote in all."""

    def __init__(self, keep: int = 64 * 1024):
        self.keep = keep
        self.parts: deque[bytes] = deque()
        self.size = 0
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        self.parts.append(data[-self.keep:])
        self.size += len(self.parts[-1])
        while self.size - len(self.parts[0]) >= self.keep:
            self.size -= len(self.parts.popleft())

    def text(self) -> str:
        return b"".join(self.parts)[-self.keep:].decode("utf-8", "replace")


async def read_tail(stream: asyncio.StreamReader, tail: Tail, flood: int | None = None,
                    on_flood=None) -> None:
    """Read `stream` to its end into `tail`; past `flood` bytes call `on_flood()` once (it may kill
    the writer) and keep draining, so the writer never blocks on a full pipe."""
    flooded = False
    while True:
        chunk = await stream.read(CHUNK)
        if not chunk:
            return
        tail.add(chunk)
        if flood is not None and not flooded and tail.total > flood:
            flooded = True
            if on_flood is not None:
                on_flood()
