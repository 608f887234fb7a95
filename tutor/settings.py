"""Provides the learner's settings: default device, theme, reduced motion; persisted atomically."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .files import config_dir, write_atomic

DEFAULT_THEME = "textual-dark"
NO_COLOR_THEME = "ansi-dark"
"""The theme used when $NO_COLOR is set: the terminal's own colours, no RGB (no-color.org)."""


def default_path() -> Path:
    return config_dir() / "settings.json"


@dataclass
class Settings:
    device: str = "auto"
    """Where training runs unless a step or --device says otherwise: auto, cpu, cuda[:N], mps."""
    theme: str = DEFAULT_THEME
    """A Textual theme name."""
    reduced_motion: bool = False
    """No celebrations or animations; the plot redraws at most once a second."""
    train_about: str = "auto"
    """A train step's "About this exercise": auto (open where the screen has room), open or closed,
    as the learner last left it."""
    trusted_code_dirs: list = field(default_factory=list)
    """Folders of lessons from outside the built-in set whose code the learner agreed to run."""

    path: Path | None = None
    notice: str | None = None

    @classmethod
    def load(cls, path: Path | None = None) -> "Settings":
        """Never fails: a damaged or odd file gives the defaults and a notice saying so."""
        path = path or default_path()
        settings = cls(path=path)
        if not path.exists():
            return settings
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError, OSError) as err:
            settings.notice = f"Your settings file {path} could not be read ({err}); using the defaults."
            return settings
        for f in fields(cls):
            value = data.get(f.name)
            if f.name in ("path", "notice") or value is None:
                continue
            if isinstance(value, type(getattr(settings, f.name))):
                setattr(settings, f.name, value)
        return settings

    def save(self) -> bool:
        """Write the file; False (the choice holds for this session) when the disk refuses."""
        if self.path is None:
            return True
        data = {k: v for k, v in asdict(self).items() if k not in ("path", "notice")}
        try:
            write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True))
        except OSError:
            return False
        return True

    def effective_theme(self, no_color: bool = False) -> str:
        """$NO_COLOR wins over the chosen theme, as the convention asks (Textual also drops colour)."""
        return NO_COLOR_THEME if no_color or os.environ.get("NO_COLOR") else self.theme
