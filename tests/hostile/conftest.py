"""Hostile inputs: each test is one attack, asserting the safe behaviour (tests/ helpers importable)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
