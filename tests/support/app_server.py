"""The real app, built once and served by `workshop run` in a child process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.ports import free_port, wait_for_port

BUILD_AND_START_TIMEOUT_S = 900


@contextmanager
def app_server(data_dir: Path, ollama_url: str, log_path: Path) -> Iterator[str]:
    """Serve the production build on a free port; yield its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "WORKSHOP_DATA_DIR": str(data_dir),
        "WORKSHOP_OLLAMA_URLS": ollama_url,
        "WORKSHOP_DATABASE_URL": "",
        "REFLEX_HTTP_CLIENT_BIND_ADDRESS": "0.0.0.0",
    }
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "workshop_app.cli", "run", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_port(port, BUILD_AND_START_TIMEOUT_S, process)
            httpx.get(f"{base_url}/health", timeout=30).raise_for_status()
        except Exception as error:
            raise RuntimeError(f"the app did not start; see {log_path}:\n{log_path.read_text()[-3000:]}") from error
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
