"""A throwaway PostgreSQL cluster from the Debian packages, on a free port in a temp dir."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.ports import free_port, wait_for_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian package: postgresql)")
    return found[-1]


def _as_postgres(args: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root; drop to the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield a SQLAlchemy URL to database `workshop`; stop it after.

    Its files live in a fresh directory under /tmp that the `postgres` user can reach.
    """
    base = Path(tempfile.mkdtemp(prefix="workshop-pg-"))
    try:
        with _running(base) as url:
            yield url
    finally:
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def _running(base: Path) -> Iterator[str]:
    data, sockets = base / "pgdata", base / "pgsock"
    data.mkdir(parents=True)
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres([_bin("initdb"), "-D", str(data), "-U", "workshop", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        _as_postgres(
            [
                _bin("postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(sockets),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 30, server)
        subprocess.run(
            _as_postgres([_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "workshop", "workshop"]),
            check=True,
            capture_output=True,
        )
        yield f"postgresql://workshop@127.0.0.1:{port}/workshop"
    finally:
        server.terminate()
        server.wait(30)
