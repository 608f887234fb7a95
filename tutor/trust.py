"""Provides the one rule for running code that did not come with rnn-tutor: the learner agrees first.

Code steps run Python: a lesson's reference solution beside the learner's file, a learner's cell in a
training run. Code from the built-in lessons and from the learner's own copies runs freely; code from
any other folder runs only once the learner has trusted that folder (the app asks, once per folder)
or, on the command line, with --trust. The app, `check` and `train --recipe` all ask this module.
"""

from __future__ import annotations

from pathlib import Path


def builtin_lessons() -> Path:
    from .lesson.search import builtin_dir

    return builtin_dir().resolve()


def learner_code_dir() -> Path:
    from .files import data_dir

    return (data_dir() / "code").resolve()


def is_trusted(path: Path, trusted_dirs: list[str], own_code: Path | None = None) -> bool:
    """Whether code at `path` (a file or a lesson folder) may run without asking."""
    here = Path(path).resolve()
    mine = (own_code or learner_code_dir()).resolve()
    if here.is_relative_to(builtin_lessons()) or here.is_relative_to(mine):
        return True
    return any(here.is_relative_to(Path(folder)) for folder in trusted_dirs)


def untrusted_message(what: str, folder: Path) -> str:
    return (f"{what} runs Python code from {folder}, which did not come with rnn-tutor. Run it only if you "
            f"trust that folder: add --trust (or agree once in the app, which remembers the folder).")
