"""Provides atomic file writes and the learner's data and config folders (platformdirs)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP = "rnn-tutor"


def data_dir() -> Path:
    """Progress, the learner's lessons and code live here (~/.local/share/rnn-tutor on Linux)."""
    return Path(user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    """Settings live here (~/.config/rnn-tutor on Linux)."""
    return Path(user_config_dir(APP, appauthor=False))


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename: a crash leaves the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
