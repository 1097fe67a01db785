"""Files the platform writes are its own: directories 700, files 600.

The data directory holds the database, uploaded documents, Chroma's vectors, the secret
key and backups; on a shared machine other local users must not read them. A process
umask covers every file the app, its database and Chroma create; existing installs are
tightened once when the server starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077


def keep_new_files_private() -> None:
    os.umask(PRIVATE_UMASK)


def make_private(directories: Iterable[Path]) -> None:
    """Create each directory (700) and take group and other access from everything already in it."""
    for directory in directories:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.chmod(0o700)
        for root, folders, files in os.walk(directory):
            for name in folders:
                _restrict(Path(root, name), 0o700)
            for name in files:
                _restrict(Path(root, name), 0o600)


def _restrict(path: Path, mode: int) -> None:
    if not path.is_symlink() and path.stat().st_mode & 0o077:
        path.chmod(path.stat().st_mode & ~0o077 & 0o7777 | (mode & 0o700))
