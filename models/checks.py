"""Provides the code-step checks: a learner's file in, one JSON line per check out.

    python -m models.checks '{"code": "cell.py", "reference": "solution.py", "entry": "CreatureCell",
                              "init": [57, 128, 12], "checks": [{"kind": "import"}, ...]}'

Runs in its own process (tutor/codecheck.py starts it with a time limit), because the code is the
learner's: an endless loop, a huge allocation, `sys.exit` or a crash in a C extension must cost a
failed check, never the app. Memory is capped here, after torch is imported, at what torch took plus
`memory_mb`, so a runaway allocation fails inside the learner's call with a clear message.

Events: {"event": "start", "index": i, "kind": k} before each check, then {"event": "check",
"index": i, "kind": k, "passed": bool, "message": str}; the first failure ends the run. Messages
are written for the learner: what was expected, what came back, and which line of *their* file
raised.
"""

from __future__ import annotations

import difflib
import importlib.util
import inspect
import json
import math
import re
import sys
import traceback
from pathlib import Path
from typing import Any

MEMORY_MB = 1024
"""Memory a check may allocate beyond what torch itself needs."""
LEARN_STEPS = 300
"""Steps of the `learns` check: enough for a working cell to halve its loss on a fixed target."""


class CheckFailed(Exception):
    """A check's verdict, already worded for the learner."""


_EVENTS = sys.stdout
"""Where verdicts go. The learner's own print() calls go to stderr (see run), so they cannot break
the JSON lines."""


def _emit(event: dict[str, Any]) -> None:
    _EVENTS.write(json.dumps(event) + "\n")
    _EVENTS.flush()


def parse_shape(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"-?\d+", text))


def _shape(t) -> str:
    return "(" + ", ".join(str(n) for n in t.shape) + ")"


class Session:
    """One learner file under test: loads it, builds the entry, remembers what the checks need."""

    def __init__(self, spec: dict[str, Any]):
        self.code = Path(spec["code"]).resolve()
        self.reference_path = Path(spec["reference"]).resolve() if spec.get("reference") else None
        self.entry_name = spec["entry"]
        self.init = list(spec.get("init") or [])
        self.seed = int(spec.get("seed", 0))
        self.module = None

    # Loading ------------------------------------------------------------------------------------
    def load(self, path: Path, name: str):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    def learner_module(self):
        if self.module is None:
            try:
                self.module = self.load(self.code, "learner_code")
            except SyntaxError as err:
                line = (err.text or "").rstrip()
                raise CheckFailed(f"Python cannot read your file: {err.msg} at line {err.lineno}, column "
                                  f"{err.offset}:\n    {line}") from None
            except BaseException as err:  # noqa: BLE001 - anything the learner's top level does
                raise CheckFailed(self.explain(err, "while Python was loading your file")) from None
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
            raise CheckFailed(f"Your file has no `{name}`. It defines {found}.{hint}")
        return getattr(module, name)

    def build(self, cls, who: str = "your"):
        """The entry as an object: a class is constructed with `init` (seeded), a function is itself."""
        import torch

        if not inspect.isclass(cls):
            return cls
        torch.manual_seed(self.seed)
        try:
            return cls(*self.init)
        except BaseException as err:  # noqa: BLE001
            args = ", ".join(map(repr, self.init))
            raise CheckFailed(self.explain(err, f"while building {who} `{cls.__name__}({args})`")) from None

    def reference(self):
        if self.reference_path is None:
            raise CheckFailed("This step has no reference solution to compare with (an author's mistake).")
        module = self.load(self.reference_path, "reference_code")
        return self.build(getattr(module, self.entry_name), who="the reference")

    # Calling --------------------------------------------------------------------------------------
    def call(self, obj, method: str | None, inputs: list, what: str):
        func = getattr(obj, method, None) if method else obj
        if func is None:
            raise CheckFailed(f"`{self.entry_name}` has no method `{method}`.")
        try:
            out = func(*inputs)
        except BaseException as err:  # noqa: BLE001
            raise CheckFailed(self.explain(err, what)) from None
        return out

    def explain(self, err: BaseException, what: str) -> str:
        """The error, and the line of the learner's file it came from (not torch's internals)."""
        import torch  # noqa: F401 - the caller already has it

        if isinstance(err, SystemExit):
            return f"Your code called sys.exit({err.code!r}) {what}. A cell returns values; it never exits."
        if isinstance(err, NotImplementedError):
            where = self.learner_line(err)
            return f"Not written yet: {err or 'NotImplementedError'} ({what}){where}."
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


def _tensors(out) -> list:
    import torch

    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        return [torch.tensor(float(out))]  # a loss returned with .item()
    if isinstance(out, (tuple, list)):
        flat = []
        for item in out:
            flat += _tensors(item)
        return flat
    return []


def _inputs(check: dict[str, Any], generator) -> list:
    import torch

    return [torch.randn(parse_shape(s), generator=generator) for s in check.get("inputs", [])]


def _method_name(check, session) -> str:
    return f"`{check['method']}`" if check.get("method") else f"`{session.entry_name}`"


def check_import(session: Session, check: dict[str, Any]) -> str:
    found = session.entry(check.get("name"))
    return f"found `{found.__name__}`"


def check_shape(session: Session, check: dict[str, Any]) -> str:
    import torch

    obj = session.build(session.entry())
    inputs = _inputs(check, torch.Generator().manual_seed(session.seed))
    given = ", ".join(_shape(t) for t in inputs) or "no inputs"
    out = session.call(obj, check.get("method"), inputs, f"when the check called {_method_name(check, session)} "
                                                         f"with {given}")
    got = _tensors(out)
    want = [parse_shape(s) for s in check.get("outputs", [])]
    got_text = ", ".join(_shape(t) for t in got) or f"no tensor ({type(out).__name__})"
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


def check_reference(session: Session, check: dict[str, Any]) -> str:
    import torch

    mine, theirs = session.build(session.entry()), session.reference()
    if isinstance(mine, torch.nn.Module) and isinstance(theirs, torch.nn.Module):
        try:
            theirs.load_state_dict(mine.state_dict())  # same weights, whatever order they were made in
        except RuntimeError:
            pass  # other parameter names: both were built from the same seed
    generator = torch.Generator().manual_seed(session.seed + 1)
    tolerance = float(check.get("tolerance", 1e-5))
    worst = 0.0
    for trial in range(1, int(check.get("trials", 3)) + 1):
        inputs = _inputs(check, generator)
        what = f"on random trial {trial}"
        # No torch.no_grad() here: a method may train (a training step), and that needs gradients.
        got = _tensors(session.call(mine, check.get("method"), inputs, what))
        want = _tensors(theirs(*inputs) if not check.get("method") else getattr(theirs, check["method"])(*inputs))
        if len(got) != len(want):
            raise CheckFailed(f"{what}: you returned {len(got)} tensor(s), the reference {len(want)}.")
        for n, (a, b) in enumerate(zip(got, want), 1):
            if a.shape != b.shape:
                raise CheckFailed(f"{what}: output {n} is shaped {_shape(a)}, the reference's {_shape(b)}.")
            diff = float((a.double() - b.double()).abs().max()) if a.numel() else 0.0
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
    if isinstance(mine, torch.nn.Module) and isinstance(theirs, torch.nn.Module):
        # A method that trains changes the weights: after the same calls they must agree too.
        theirs_now = dict(theirs.named_parameters())
        for name, p in mine.named_parameters():
            other = theirs_now.get(name)
            if other is not None and other.shape == p.shape:
                diff = float((p.detach().double() - other.detach().double()).abs().max())
                if diff > tolerance:
                    raise CheckFailed(
                        f"After the same {check.get('trials', 3)} calls, your `{name}` differs from the "
                        f"reference's by up to {diff:.3g}: the updates are not the same. Check that the "
                        f"gradients are cleared before each backward, clipped before the step, and that "
                        f"the optimizer steps once per call.")
    return f"matches on {check.get('trials', 3)} random inputs (largest difference {worst:.2g})"


def check_gradients(session: Session, check: dict[str, Any]) -> str:
    import torch

    obj = session.build(session.entry())
    if not isinstance(obj, torch.nn.Module):
        raise CheckFailed("The gradients check needs a class built on nn.Module.")
    inputs = _inputs(check, torch.Generator().manual_seed(session.seed + 2))
    outs = [t for t in _tensors(session.call(obj, check.get("method"), inputs, "in the gradients check"))
            if t.is_floating_point()]
    if not outs or not any(t.requires_grad for t in outs):
        raise CheckFailed("Your outputs are not connected to the weights (no gradient can flow). "
                          "Did you compute them under torch.no_grad(), use .detach(), or build new tensors "
                          "from .item() or .tolist()?")
    try:
        sum(t.sum() for t in outs if t.requires_grad).backward()
    except BaseException as err:  # noqa: BLE001
        raise CheckFailed(session.explain(err, "during backward()")) from None
    missing = [n for n, p in obj.named_parameters() if p.requires_grad and p.grad is None]
    if missing:
        raise CheckFailed(f"No gradient reaches {', '.join(f'`{n}`' for n in missing)}: that weight is never "
                          f"used in computing the outputs.")
    bad = [n for n, p in obj.named_parameters() if p.grad is not None and not torch.isfinite(p.grad).all()]
    if bad:
        raise CheckFailed(f"The gradient of {', '.join(f'`{n}`' for n in bad)} is not finite (nan or inf).")
    return f"all {sum(1 for _ in obj.parameters())} parameters get a finite gradient"


def check_learns(session: Session, check: dict[str, Any]) -> str:
    import torch

    # The target is what another copy of the same class (other random weights) answers: reachable
    # by construction, whatever the outputs are (log-probabilities, a squashed memory, ...).
    session.seed += 100
    teacher = session.build(session.entry())
    session.seed -= 100
    obj = session.build(session.entry())
    inputs = _inputs(check, torch.Generator().manual_seed(session.seed + 3))
    with torch.no_grad():
        targets = _tensors(session.call(teacher, check.get("method"), inputs, "in the learns check"))
    optimizer = torch.optim.Adam(obj.parameters(), lr=1e-2)
    losses = []
    for _ in range(LEARN_STEPS):
        optimizer.zero_grad()
        outs = _tensors(session.call(obj, check.get("method"), inputs, "in the learns check"))
        loss = sum(torch.nn.functional.mse_loss(o, t) for o, t in zip(outs, targets))
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    if not math.isfinite(losses[-1]) or losses[-1] > 0.5 * losses[0]:
        raise CheckFailed(f"After {LEARN_STEPS} steps of Adam towards a copy of your cell with other weights, the loss went from "
                          f"{losses[0]:.3g} to {losses[-1]:.3g}; a working cell at least halves it.")
    return f"loss {losses[0]:.3g} -> {losses[-1]:.3g} in {LEARN_STEPS} steps"


CHECKS = {"import": check_import, "shape": check_shape, "reference": check_reference,
          "gradients": check_gradients, "learns": check_learns}


def _limit_memory() -> None:
    try:
        import resource

        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        import os

        now = pages * os.sysconf("SC_PAGE_SIZE")
        cap = now + MEMORY_MB * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, OSError, ValueError):
        pass  # not Linux: the parent's time limit still holds


def run(spec: dict[str, Any]) -> int:
    import torch

    torch.set_num_threads(1)
    sys.stdout = sys.stderr  # the learner's prints; verdicts keep the real stdout
    _limit_memory()
    session = Session(spec)
    for index, check in enumerate(spec["checks"]):
        kind = check["kind"]
        _emit({"event": "start", "index": index, "kind": kind})
        try:
            message = CHECKS[kind](session, check)
        except CheckFailed as failed:
            _emit({"event": "check", "index": index, "kind": kind, "passed": False, "message": str(failed)})
            return 0
        except BaseException as err:  # noqa: BLE001 - a check must end in a verdict
            _emit({"event": "check", "index": index, "kind": kind, "passed": False,
                   "message": session.explain(err, f"in the {kind} check")})
            return 0
        _emit({"event": "check", "index": index, "kind": kind, "passed": True, "message": message})
    _emit({"event": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(run(json.loads(sys.argv[1])))
