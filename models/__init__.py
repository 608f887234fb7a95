"""Provides the PyTorch engine: data, networks and the training loop (never imports Textual).

Importing the package itself loads nothing heavy, so `models.catalog` stays cheap for the UI.
"""
