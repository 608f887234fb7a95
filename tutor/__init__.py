"""Provides rnn-tutor, a terminal tutor for recurrent neural networks."""

__version__ = "0.1.0"
