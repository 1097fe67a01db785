"""Pausing embedded-Chroma writes so a backup copies a consistent directory.

Every writer to the embedded Chroma directory wraps its write in `chroma_writes()`
(a shared lock: writers do not block each other); a backup copies the directory
inside `chroma_paused()` (an exclusive lock: it waits for running writes to finish
and holds new ones until the copy is done). The lock is an `flock` on a file in the
data directory, so it works between the app and a `workshop backup` run in another
process, and between threads of one process.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".chroma-writes.lock"


@contextmanager
def _flocked(data_dir: Path, mode: int) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    # A fresh open file description per holder: flock then arbitrates between threads too.
    with open(data_dir / LOCK_FILE, "a+b") as handle:
        fcntl.flock(handle.fileno(), mode)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextmanager
def chroma_writes(data_dir: Path) -> Iterator[None]:
    """Hold while writing to embedded Chroma; a running backup copy makes this wait."""
    with _flocked(data_dir, fcntl.LOCK_SH):
        yield


@contextmanager
def chroma_paused(data_dir: Path) -> Iterator[None]:
    """Hold while copying the Chroma directory; no writer runs meanwhile."""
    with _flocked(data_dir, fcntl.LOCK_EX):
        yield
