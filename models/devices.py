"""Provides device resolution: `auto|cpu|cuda[:N]|mps` resolved once, explicitly."""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch


class DeviceError(ValueError):
    """A device that does not exist on this machine, or a name that is not a device."""


@dataclass(frozen=True)
class DeviceInfo:
    name: str
    """What to pass back to `resolve_device`: cpu, cuda:0, mps."""
    description: str


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def available_devices() -> list[DeviceInfo]:
    """Every device this machine can train on, cpu last."""
    found = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            found.append(DeviceInfo(f"cuda:{index}", torch.cuda.get_device_name(index)))
    if _mps_available():
        found.append(DeviceInfo("mps", "Apple GPU (Metal)"))
    found.append(DeviceInfo("cpu", f"CPU ({torch.get_num_threads()} threads)"))
    return found


def resolve_device(name: str = "auto") -> torch.device:
    """Turn a device name into a torch.device that exists here.

    `auto` prefers cuda, then mps, then cpu. Naming a device that is absent raises DeviceError with
    the list of devices that do exist, instead of failing later inside a tensor operation.
    """
    text = (name or "auto").strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", 0)
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if text == "cpu":
        return torch.device("cpu")
    existing = ", ".join(["auto"] + [d.name for d in available_devices()])
    match = re.fullmatch(r"cuda(?::(\d+))?", text)
    if match:
        index = int(match.group(1) or 0)
        if not torch.cuda.is_available():
            raise DeviceError(f"device {name!r} is not available: no CUDA GPU here (have: {existing})")
        if index >= torch.cuda.device_count():
            raise DeviceError(f"device {name!r} is not available (have: {existing})")
        return torch.device("cuda", index)
    if text == "mps":
        if not _mps_available():
            raise DeviceError(f"device 'mps' is not available: no Apple GPU here (have: {existing})")
        return torch.device("mps")
    raise DeviceError(f"unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps (have: {existing})")
