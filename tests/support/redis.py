"""A throwaway Redis server from the Debian package, on a free port, keeping nothing on disk."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.ports import free_port, wait_for_port


@contextmanager
def redis_server(port: int | None = None) -> Iterator[str]:
    """Start a server (on `port`, else a free one); yield its redis:// URL; stop it after."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (Debian package: redis-server)")
    workdir = tempfile.mkdtemp(prefix="workshop-redis-")
    port = port or free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 30, server)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(workdir, ignore_errors=True)
