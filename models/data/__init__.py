"""Provides the data the tasks learn from: text corpora, names by origin, waves, the recall task."""


class DataError(ValueError):
    """Data that cannot be used; the message names the file and what is wrong with it."""


def read_regular_file(path, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or DataError saying why not.

    Checked on the open file, before reading: a FIFO would block forever and /dev/zero (or a symlink
    to it) never ends; neither is a file of text."""
    import os
    import stat
    from pathlib import Path

    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise DataError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{p}: is a directory; expected a text file") from None
    except OSError as err:
        raise DataError(f"{p}: cannot be read ({err.strerror})") from None
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode):
        os.close(fd)
        raise DataError(f"{p}: is a directory; expected a text file")
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(info.st_mode):
            raise DataError(f"{p}: not a regular file (a device, a pipe or a socket); {what} is a text file")
        if info.st_size > limit:
            raise DataError(f"{p}: {info.st_size:,} bytes; {what} may be at most {limit:,} bytes")
        raw = f.read(limit + 1)
    if len(raw) > limit:
        raise DataError(f"{p}: more than {limit:,} bytes; {what} may be at most {limit:,} bytes")
    return raw
