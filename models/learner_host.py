"""Provides the process that runs a learner's code for the checks, and nothing else.

    python -m models.learner_host CODE ENTRY CMD_FD REPLY_FD

The checker (models/checks.py) starts this process and is the only one that decides: it sends
commands (build the entry, call it on these inputs, take gradients, train it) over a private pair
of pipes and gets back plain data (tensors, flags, messages worded for the learner). Whatever the
learner's code does here, it can only change what comes back, and the checker compares that with
the reference it holds in its own process: patching torch, replacing the checks or printing a fake
verdict here fakes nothing there.

Frames both ways are a 4-byte length and `torch.save` bytes; the checker reads them with
`weights_only=True`, so a reply can hold tensors and plain containers, never code.
"""

from __future__ import annotations

import difflib
import importlib.util
import inspect
import io
import os
import struct
import sys
import traceback
from pathlib import Path
from typing import Any

MEMORY_MB = 1024
"""Memory the learner's code may allocate beyond what torch itself needs."""
MAX_FRAME = 256 << 20
"""Largest frame either side accepts: a check's tensors are kilobytes."""


class Failed(Exception):
    """A failure already worded for the learner."""


# Frames --------------------------------------------------------------------------------------------
def read_frame(fd: int, limit: int = MAX_FRAME) -> Any:
    import torch

    head = _read_exactly(fd, 4)
    if head is None:
        raise EOFError("the other side closed the channel")
    (size,) = struct.unpack(">I", head)
    if size > limit:
        raise ValueError(f"a frame of {size} bytes is larger than {limit}")
    body = _read_exactly(fd, size)
    if body is None:
        raise EOFError("the channel closed in the middle of a frame")
    return torch.load(io.BytesIO(body), weights_only=True)


def write_frame(fd: int, obj: Any) -> None:
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    data = buffer.getvalue()
    data = struct.pack(">I", len(data)) + data
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


# The learner's code --------------------------------------------------------------------------------
class Host:
    def __init__(self, code: Path, entry: str):
        self.code = code.resolve()
        self.entry_name = entry
        self.module = None
        self.objects: dict[str, Any] = {}

    def learner_module(self):
        if self.module is None:
            try:
                spec = importlib.util.spec_from_file_location("learner_code", self.code)
                module = importlib.util.module_from_spec(spec)
                sys.modules["learner_code"] = module
                spec.loader.exec_module(module)
                self.module = module
            except SyntaxError as err:
                line = (err.text or "").rstrip()
                raise Failed(f"Python cannot read your file: {err.msg} at line {err.lineno}, column "
                             f"{err.offset}:\n    {line}") from None
            except BaseException as err:  # noqa: BLE001 - anything the learner's top level does
                raise Failed(self.explain(err, "while Python was loading your file")) from None
        return self.module

    def entry(self, name: str | None = None):
        name = name or self.entry_name
        module = self.learner_module()
        if not hasattr(module, name):
            defined = [n for n, v in vars(module).items()
                       if not n.startswith("_") and (inspect.isclass(v) or inspect.isfunction(v))
                       and getattr(v, "__module__", None) == module.__name__]
            close = difflib.get_close_matches(name, defined, n=1)
            hint = f" Did you mean `{close[0]}`? The checks look for `{name}`, spelled exactly." if close else ""
            found = ", ".join(f"`{n}`" for n in defined) or "nothing"
            raise Failed(f"Your file has no `{name}`. It defines {found}.{hint}")
        return getattr(module, name)

    def explain(self, err: BaseException, what: str) -> str:
        """The error, and the line of the learner's file it came from (not torch's internals)."""
        if isinstance(err, SystemExit):
            return f"Your code called sys.exit({err.code!r}) {what}. A cell returns values; it never exits."
        if isinstance(err, NotImplementedError):
            return f"Not written yet: {err or 'NotImplementedError'} ({what}){self.learner_line(err)}."
        if isinstance(err, MemoryError) or "can't allocate memory" in str(err) or "not enough memory" in str(err):
            return (f"Your code asked for more memory than the check allows ({MEMORY_MB} MB) {what}. "
                    f"Look for a tensor far bigger than the inputs{self.learner_line(err)}.")
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        return f"{type(err).__name__}: {first} ({what}){self.learner_line(err)}."

    def learner_line(self, err: BaseException) -> str:
        frames = [f for f in traceback.extract_tb(err.__traceback__) if Path(f.filename).resolve() == self.code]
        if not frames:
            return ""
        frame = frames[-1]
        return f"; your line {frame.lineno}: `{(frame.line or '').strip()}`"

    # Commands ---------------------------------------------------------------------------------------
    def do_import(self, name: str | None = None) -> dict[str, Any]:
        return {"name": str(self.entry(name).__name__)}

    def do_build(self, handle: str, seed: int, init: list) -> dict[str, Any]:
        import torch

        cls = self.entry()
        if not inspect.isclass(cls):
            self.objects[handle] = cls
            return {"module": False, "state": {}}
        torch.manual_seed(seed)
        try:
            obj = cls(*init)
        except BaseException as err:  # noqa: BLE001
            args = ", ".join(map(repr, init))
            raise Failed(self.explain(err, f"while building your `{cls.__name__}({args})`")) from None
        self.objects[handle] = obj
        if isinstance(obj, torch.nn.Module):
            return {"module": True, "state": {k: v.detach().clone() for k, v in obj.state_dict().items()}}
        return {"module": False, "state": {}}

    def _call(self, handle: str, method: str | None, inputs: list, what: str):
        obj = self.objects[handle]
        func = getattr(obj, method, None) if method else obj
        if func is None:
            raise Failed(f"`{self.entry_name}` has no method `{method}`.")
        try:
            return func(*inputs)
        except BaseException as err:  # noqa: BLE001
            raise Failed(self.explain(err, what)) from None

    def do_call(self, handle: str, method: str | None, inputs: list, what: str) -> dict[str, Any]:
        out = self._call(handle, method, inputs, what)
        tensors = flat_tensors(out)
        return {"outputs": [t.detach().clone() for t in tensors],
                "requires_grad": [bool(t.requires_grad) for t in tensors],
                "type": type(out).__name__}

    def do_params(self, handle: str) -> dict[str, Any]:
        obj = self.objects[handle]
        return {"params": {n: p.detach().clone() for n, p in obj.named_parameters()}}

    def do_gradients(self, handle: str, method: str | None, inputs: list) -> dict[str, Any]:
        obj = self.objects[handle]
        outs = [t for t in flat_tensors(self._call(handle, method, inputs, "in the gradients check"))
                if t.is_floating_point()]
        connected = bool(outs) and any(t.requires_grad for t in outs)
        if connected:
            try:
                sum(t.sum() for t in outs if t.requires_grad).backward()
            except BaseException as err:  # noqa: BLE001
                raise Failed(self.explain(err, "during backward()")) from None
        grads = {n: (p.grad.detach().clone() if p.grad is not None else None)
                 for n, p in obj.named_parameters() if p.requires_grad}
        return {"connected": connected, "grads": grads}

    def do_learn(self, handle: str, teacher: str, method: str | None, inputs: list, steps: int) -> dict[str, Any]:
        """Train `handle` towards what `teacher` answers; the outputs before and after come back, and
        the checker measures the losses itself."""
        import torch

        obj = self.objects[handle]
        with torch.no_grad():
            targets = flat_tensors(self._call(teacher, method, inputs, "in the learns check"))
        before = [t.detach().clone() for t in flat_tensors(self._call(handle, method, inputs, "in the learns check"))]
        optimizer = torch.optim.Adam(obj.parameters(), lr=1e-2)
        for _ in range(steps):
            optimizer.zero_grad()
            outs = flat_tensors(self._call(handle, method, inputs, "in the learns check"))
            loss = sum(torch.nn.functional.mse_loss(o, t) for o, t in zip(outs, targets))
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            after = [t.detach().clone() for t in flat_tensors(self._call(handle, method, inputs, "in the learns check"))]
        return {"targets": [t.detach().clone() for t in targets], "before": before, "after": after}


def flat_tensors(out) -> list:
    import torch

    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        return [torch.tensor(float(out))]  # a loss returned with .item()
    if isinstance(out, (tuple, list)):
        flat = []
        for item in out:
            flat += flat_tensors(item)
        return flat
    return []


def limit_memory() -> None:
    try:
        import resource

        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        cap = pages * os.sysconf("SC_PAGE_SIZE") + MEMORY_MB * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, OSError, ValueError):
        pass  # not Linux: the parent's time limit still holds


def die_with_parent() -> None:
    """If the checker is killed (a timeout), this process goes too instead of running on."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def serve(code: str, entry: str, cmd_fd: int, reply_fd: int) -> int:
    import torch

    die_with_parent()
    torch.set_num_threads(1)
    limit_memory()
    host = Host(Path(code), entry)
    while True:
        try:
            command = read_frame(cmd_fd)
        except EOFError:
            return 0
        op = command.pop("op")
        try:
            reply = {"ok": True, **getattr(host, f"do_{op}")(**command)}
        except Failed as failed:
            reply = {"ok": False, "message": str(failed)}
        except BaseException as err:  # noqa: BLE001 - every command gets an answer
            reply = {"ok": False, "message": host.explain(err, f"in the {op} step of the check")}
        write_frame(reply_fd, reply)


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
