"""Hostile inputs: one test per attack, each asserting the safe behaviour (a package, so tests/ helpers import)."""
