"""Provides the code-step checks: a learner's file in, one JSON line per check out.

    python -m models.checks '{"code": "cell.py", "reference": "solution.py", "entry": "CreatureCell",
                              "init": [57, 128, 12], "checks": [{"kind": "import"}, ...]}'

Two processes, so that the learner's code cannot decide its own verdict. This one, the checker,
holds the reference solution and decides; the learner's code runs in another (models/learner_host.py)
that this one starts and talks to over a private pair of pipes, getting back only data: outputs,
gradients, weights. Patching torch there, forging a verdict line on its output or exiting early
changes nothing here: every pass is a comparison made in this process, against the reference, on
inputs made here. (What stays possible on one's own machine: reading the reference solution file.)
Both are started by tutor/codecheck.py with a time limit; an endless loop, a huge allocation,
`sys.exit`, a flood of prints or a crash in a C extension costs a failed check, never the app.

Events: {"event": "start", "index": i, "kind": k} before each check, then {"event": "check",
"index": i, "kind": k, "passed": bool, "message": str}; the first failure ends the run. Messages
are written for the learner: what was expected, what came back, and which line of *their* file
raised.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import math
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from .learner_host import flat_tensors, read_frame, write_frame

LEARN_STEPS = 300
"""Steps of the `learns` check: enough for a working cell to halve its loss on a fixed target."""
OUTPUT_FLOOD = 8 << 20
"""Bytes the learner's code may print before its process is stopped (an endless print)."""
OUTPUT_KEEP = 16 << 10
"""The tail of the learner's output kept, for the last error line of a crash."""


class CheckFailed(Exception):
    """A check's verdict, already worded for the learner."""


_EVENTS = sys.stdout
"""Where verdicts go: this process's stdout, which the learner's process (its own stdout is a pipe
drained here) cannot write to."""


def _emit(event: dict[str, Any]) -> None:
    _EVENTS.write(json.dumps(event) + "\n")
    _EVENTS.flush()


def parse_shape(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"-?\d+", text))


def _shape(t) -> str:
    return "(" + ", ".join(str(n) for n in t.shape) + ")"


class Learner:
    """The learner's code in its own process: commands out, data back, its prints drained (bounded)."""

    def __init__(self, code: Path, entry: str):
        cmd_read, self.cmd = os.pipe()
        self.reply, reply_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "models.learner_host", str(code), entry, str(cmd_read), str(reply_write)],
            pass_fds=(cmd_read, reply_write), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env={**os.environ, "OMP_NUM_THREADS": "1"})
        os.close(cmd_read)
        os.close(reply_write)
        self.output = bytearray()
        self.printed = 0
        self.flooded = False
        self._drain = threading.Thread(target=self._read_output, daemon=True)
        self._drain.start()

    def _read_output(self) -> None:
        stream = self.process.stdout
        while True:
            chunk = stream.read1(65536)
            if not chunk:
                return
            self.printed += len(chunk)
            self.output += chunk
            del self.output[:-OUTPUT_KEEP]
            if self.printed > OUTPUT_FLOOD and not self.flooded:
                self.flooded = True
                self.process.kill()

    def ask(self, op: str, **args) -> dict[str, Any]:
        """One command; its reply, or CheckFailed worded from how the learner's process ended."""
        try:
            write_frame(self.cmd, {"op": op, **args})
            reply = read_frame(self.reply)
        except (EOFError, OSError, ValueError, RuntimeError) as err:
            raise CheckFailed(self._ended(err)) from None
        if not isinstance(reply, dict) or "ok" not in reply:
            raise CheckFailed("The process running your code answered with something that is not a reply.")
        if not reply["ok"]:
            raise CheckFailed(str(reply.get("message", "your code failed")))
        return reply

    def _ended(self, err: Exception) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return f"The process running your code stopped answering the checks ({err})."
        self._drain.join(timeout=1)
        if self.flooded:
            return (f"Your code printed more than {OUTPUT_FLOOD >> 20} MB, so it was stopped. A print inside "
                    f"a loop that never ends?")
        if code < 0:
            import signal

            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            message = f"The process running your code died ({name})"
            if name == "SIGKILL":
                message += "; it was probably killed for using too much memory"
            return message + "."
        message = (f"The process running your code ended (exit code {code}) before it could answer. "
                   f"Does your code call os._exit or exit()?")
        tail = bytes(self.output).decode("utf-8", "replace").strip().splitlines()[-1:]
        if tail and "Error" in tail[0]:
            message += f" Last error: {tail[0][:300]}"
        return message

    def close(self) -> None:
        for fd in (self.cmd, self.reply):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class Session:
    """One check run: the learner's process, and the reference solution here, in the checker."""

    def __init__(self, spec: dict[str, Any]):
        self.code = Path(spec["code"]).resolve()
        self.reference_path = Path(spec["reference"]).resolve() if spec.get("reference") else None
        self.entry_name = spec["entry"]
        self.init = list(spec.get("init") or [])
        self.seed = int(spec.get("seed", 0))
        self.learner = Learner(self.code, self.entry_name)
        self._handles = 0

    def build(self) -> tuple[str, dict[str, Any]]:
        """A fresh object of the learner's entry (seeded), in its process: (handle, its weights)."""
        self._handles += 1
        handle = f"obj{self._handles}"
        reply = self.learner.ask("build", handle=handle, seed=self.seed, init=self.init)
        return handle, reply

    def call(self, handle: str, method: str | None, inputs: list, what: str) -> dict[str, Any]:
        return self.learner.ask("call", handle=handle, method=method, inputs=inputs, what=what)

    def reference(self):
        """The reference solution's entry, built here with the same seed and arguments."""
        import torch

        if self.reference_path is None:
            raise CheckFailed("This step has no reference solution to compare with (an author's mistake).")
        spec = importlib.util.spec_from_file_location("reference_code", self.reference_path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["reference_code"] = module
        spec.loader.exec_module(module)
        cls = getattr(module, self.entry_name)
        if not inspect.isclass(cls):
            return cls
        torch.manual_seed(self.seed)
        return cls(*self.init)

    def close(self) -> None:
        self.learner.close()


def _inputs(check: dict[str, Any], generator) -> list:
    import torch

    return [torch.randn(parse_shape(s), generator=generator) for s in check.get("inputs", [])]


def _method_name(check, session) -> str:
    return f"`{check['method']}`" if check.get("method") else f"`{session.entry_name}`"


def _checked_tensors(values) -> list:
    """What came back from the learner's process, as a list of tensors (anything else is refused)."""
    import torch

    if not isinstance(values, list) or not all(isinstance(v, torch.Tensor) for v in values):
        raise CheckFailed("The process running your code sent back something that is not tensors.")
    return values


def _reference_outputs(theirs, check: dict[str, Any], inputs: list) -> list:
    return flat_tensors(theirs(*inputs) if not check.get("method") else getattr(theirs, check["method"])(*inputs))


def check_import(session: Session, check: dict[str, Any]) -> str:
    found = session.learner.ask("import", name=check.get("name"))
    return f"found `{found['name']}`"


def check_shape(session: Session, check: dict[str, Any]) -> str:
    import torch

    handle, _ = session.build()
    inputs = _inputs(check, torch.Generator().manual_seed(session.seed))
    given = ", ".join(_shape(t) for t in inputs) or "no inputs"
    reply = session.call(handle, check.get("method"), inputs,
                         f"when the check called {_method_name(check, session)} with {given}")
    got = _checked_tensors(reply["outputs"])
    want = [parse_shape(s) for s in check.get("outputs", [])]
    got_text = ", ".join(_shape(t) for t in got) or f"no tensor ({reply.get('type', '?')})"
    want_text = ", ".join("(" + ", ".join(map(str, w)) + ")" for w in want)
    if len(got) != len(want):
        raise CheckFailed(f"Given {given}, {_method_name(check, session)} should return {len(want)} "
                          f"tensor(s) shaped {want_text}; it returned {got_text}.")
    for n, (t, w) in enumerate(zip(got, want), 1):
        if tuple(t.shape) != w:
            shaped = "(" + ", ".join(map(str, w)) + ")"
            raise CheckFailed(f"Given {given}, output {n} of {_method_name(check, session)} should be shaped "
                              f"{shaped} but is {_shape(t)} (you returned {got_text}; expected {want_text}).")
    return f"{given} -> {got_text}"


def _same_weights(theirs, built: dict[str, Any]) -> bool:
    """Give the reference the learner's starting weights; False where they are named otherwise
    (both were then built from the same seed)."""
    try:
        theirs.load_state_dict(built["state"])
        return True
    except (RuntimeError, TypeError, KeyError):
        return False


def check_reference(session: Session, check: dict[str, Any]) -> str:
    import torch

    handle, built = session.build()
    theirs = session.reference()
    if built.get("module") and isinstance(theirs, torch.nn.Module):
        _same_weights(theirs, built)
    generator = torch.Generator().manual_seed(session.seed + 1)
    tolerance = float(check.get("tolerance", 1e-5))
    worst = 0.0
    trials = int(check.get("trials", 3))
    for trial in range(1, trials + 1):
        inputs = _inputs(check, generator)
        what = f"on random trial {trial}"
        # No torch.no_grad() here: a method may train (a training step), and that needs gradients.
        got = _checked_tensors(session.call(handle, check.get("method"), inputs, what)["outputs"])
        want = _reference_outputs(theirs, check, inputs)
        if len(got) != len(want):
            raise CheckFailed(f"{what}: you returned {len(got)} tensor(s), the reference {len(want)}.")
        for n, (a, b) in enumerate(zip(got, want), 1):
            if a.shape != b.shape:
                raise CheckFailed(f"{what}: output {n} is shaped {_shape(a)}, the reference's {_shape(b)}.")
            diff = float((a.double() - b.detach().double()).abs().max()) if a.numel() else 0.0
            if not math.isfinite(diff) or diff > tolerance:
                if check.get("method") and trial > 1:
                    advice = (f"Call{'s' if trial > 2 else ''} 1{'-' + str(trial - 1) if trial > 2 else ''} "
                              f"agreed, so the computation is right and the update between calls is not: "
                              f"are the gradients cleared before each backward, clipped after backward and "
                              f"before the step, and does the optimizer step once per call?")
                else:
                    advice = ("The shapes are right, so the numbers come from the wrong place: look at the order "
                              "of what you join, which dimension is the batch and which is time, which slice "
                              "you take, which layer reads what, and whether you sum or average.")
                raise CheckFailed(f"{what}: output {n} differs from the reference by up to {diff:.3g} "
                                  f"(allowed {tolerance:g}). {advice}")
            worst = max(worst, diff)
    if built.get("module") and isinstance(theirs, torch.nn.Module):
        # A method that trains changes the weights: after the same calls they must agree too.
        mine = session.learner.ask("params", handle=handle)["params"]
        theirs_now = dict(theirs.named_parameters())
        for name, p in mine.items():
            other = theirs_now.get(name)
            if isinstance(p, torch.Tensor) and other is not None and other.shape == p.shape:
                diff = float((p.double() - other.detach().double()).abs().max())
                if diff > tolerance:
                    raise CheckFailed(
                        f"After the same {trials} calls, your `{name}` differs from the "
                        f"reference's by up to {diff:.3g}: the updates are not the same. Check that the "
                        f"gradients are cleared before each backward, clipped before the step, and that "
                        f"the optimizer steps once per call.")
    return f"matches on {trials} random inputs (largest difference {worst:.2g})"


def check_gradients(session: Session, check: dict[str, Any]) -> str:
    import torch

    handle, built = session.build()
    if not built.get("module"):
        raise CheckFailed("The gradients check needs a class built on nn.Module.")
    inputs = _inputs(check, torch.Generator().manual_seed(session.seed + 2))
    reply = session.learner.ask("gradients", handle=handle, method=check.get("method"), inputs=inputs)
    if not reply.get("connected"):
        raise CheckFailed("Your outputs are not connected to the weights (no gradient can flow). "
                          "Did you compute them under torch.no_grad(), use .detach(), or build new tensors "
                          "from .item() or .tolist()?")
    grads = reply.get("grads") if isinstance(reply.get("grads"), dict) else {}
    missing = [n for n, g in grads.items() if g is None]
    if missing:
        raise CheckFailed(f"No gradient reaches {', '.join(f'`{n}`' for n in missing)}: that weight is never "
                          f"used in computing the outputs.")
    bad = [n for n, g in grads.items() if not isinstance(g, torch.Tensor) or not torch.isfinite(g).all()]
    if bad:
        raise CheckFailed(f"The gradient of {', '.join(f'`{n}`' for n in bad)} is not finite (nan or inf).")
    # Where the reference names its weights the same way, the gradients must be its gradients too:
    # the same weights, the same inputs, the same sum of the outputs, computed here.
    theirs = session.reference() if session.reference_path else None
    if isinstance(theirs, torch.nn.Module) and set(dict(theirs.named_parameters())) == set(grads) \
            and _same_weights(theirs, built):
        outs = [t for t in _reference_outputs(theirs, check, inputs) if t.is_floating_point() and t.requires_grad]
        if outs:
            sum(t.sum() for t in outs).backward()
            for name, p in theirs.named_parameters():
                if p.grad is not None and grads[name].shape == p.grad.shape:
                    diff = float((grads[name].double() - p.grad.double()).abs().max())
                    if diff > 1e-4 * (1 + float(p.grad.abs().max())):
                        raise CheckFailed(f"The gradient of `{name}` differs from the reference's by up to "
                                          f"{diff:.3g}: something between the weights and the outputs is "
                                          f"computed differently.")
    return f"all {len(grads)} parameters get a finite gradient"


def check_learns(session: Session, check: dict[str, Any]) -> str:
    import torch

    # The target is what another copy of the same class (other random weights) answers: reachable
    # by construction, whatever the outputs are (log-probabilities, a squashed memory, ...).
    session.seed += 100
    teacher, _ = session.build()
    session.seed -= 100
    handle, _ = session.build()
    inputs = _inputs(check, torch.Generator().manual_seed(session.seed + 3))
    reply = session.learner.ask("learn", handle=handle, teacher=teacher, method=check.get("method"),
                                inputs=inputs, steps=LEARN_STEPS)
    targets, before, after = (_checked_tensors(reply.get(k)) for k in ("targets", "before", "after"))
    if not targets or len(before) != len(targets) or len(after) != len(targets) or \
            any(a.shape != t.shape or b.shape != t.shape for a, b, t in zip(after, before, targets)):
        raise CheckFailed("The learns check got outputs that do not match the targets' shapes.")
    # The losses are measured here, from the outputs that came back.
    mse = torch.nn.functional.mse_loss
    first = float(sum(mse(b.double(), t.double()) for b, t in zip(before, targets)))
    last = float(sum(mse(a.double(), t.double()) for a, t in zip(after, targets)))
    if not math.isfinite(last) or not last <= 0.5 * first:
        raise CheckFailed(f"After {LEARN_STEPS} steps of Adam towards a copy of your cell with other weights, "
                          f"the loss went from {first:.3g} to {last:.3g}; a working cell at least halves it.")
    return f"loss {first:.3g} -> {last:.3g} in {LEARN_STEPS} steps"


CHECKS = {"import": check_import, "shape": check_shape, "reference": check_reference,
          "gradients": check_gradients, "learns": check_learns}


def run(spec: dict[str, Any]) -> int:
    import torch

    torch.set_num_threads(1)
    session = Session(spec)
    try:
        for index, check in enumerate(spec["checks"]):
            kind = check["kind"]
            _emit({"event": "start", "index": index, "kind": kind})
            try:
                message = CHECKS[kind](session, check)
            except CheckFailed as failed:
                _emit({"event": "check", "index": index, "kind": kind, "passed": False, "message": str(failed)})
                return 0
            except Exception as err:  # noqa: BLE001 - a check must end in a verdict
                first = str(err).strip().splitlines()[0] if str(err).strip() else ""
                _emit({"event": "check", "index": index, "kind": kind, "passed": False,
                       "message": f"{type(err).__name__}: {first} (in the {kind} check)"})
                return 0
            _emit({"event": "check", "index": index, "kind": kind, "passed": True, "message": message})
        _emit({"event": "done"})
        return 0
    finally:
        session.close()


if __name__ == "__main__":
    sys.exit(run(json.loads(sys.argv[1])))
