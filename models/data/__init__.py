"""Provides the data the tasks learn from: text corpora, names by origin, waves, the recall task."""


class DataError(ValueError):
    """Data that cannot be used; the message names the file and what is wrong with it."""
