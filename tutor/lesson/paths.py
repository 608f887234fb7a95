"""Provides the one rule for the files a lesson names: inside its own folder, and of the right kind.

A lesson from elsewhere is input from outside: `corpus: ../../../../etc/passwd`, an absolute path, a
symlink to /dev/zero or a FIFO must not become something a train step reads or a code step runs.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class LessonPathError(ValueError):
    """A path in a lesson that points outside its folder or at something other than a file."""


def lesson_path(base: Path, name: str, folder: bool = False) -> Path:
    """`base / name` resolved (symlinks included), or LessonPathError saying why it cannot be used."""
    root = base.resolve()
    if os.path.isabs(name):
        raise LessonPathError(f"{name}: must be a path inside the lesson's folder, not an absolute path")
    target = (base / name).resolve()
    if not target.is_relative_to(root):
        raise LessonPathError(f"{name}: must stay inside the lesson's folder (it leads to {target})")
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        raise LessonPathError(f"{name}: no such file next to the lesson ({target})") from None
    except OSError as err:
        raise LessonPathError(f"{name}: cannot be read ({err.strerror})") from None
    if folder and not stat.S_ISDIR(mode):
        raise LessonPathError(f"{name}: must be a folder of <Class>.txt files")
    if not folder and not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a device, a pipe or a socket)"
        raise LessonPathError(f"{name}: is {kind}; it must be a file")
    return target
