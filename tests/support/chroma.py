"""A throwaway Chroma server (`chroma run`, shipped by the chromadb package) on a free port."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.ports import free_port, wait_for_port


@contextmanager
def chroma_server() -> Iterator[str]:
    """Start a server over a temporary directory; yield its http:// URL; stop it after."""
    binary = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    workdir = tempfile.mkdtemp(prefix="workshop-chroma-")
    port = free_port()
    server = subprocess.Popen(
        [binary, "run", "--path", workdir, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
    )
    try:
        wait_for_port(port, 60, server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(workdir, ignore_errors=True)
