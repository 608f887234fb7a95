"""Provides lessons: the typed format, loading YAML with positions, and answer checking.

Imports neither textual nor torch (a subprocess test proves it).
"""
