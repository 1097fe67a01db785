"""The real app, built once and served by `workshop run` in a child process."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.ports import free_port, wait_for_port
from workshop_app.db.migrations import PROJECT_ROOT

BUILD_AND_START_TIMEOUT_S = 900


@contextmanager
def app_server(
    data_dir: Path,
    ollama_url: str,
    log_path: Path,
    env_overrides: Mapping[str, str] | None = None,
    project_dir: Path | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """Serve the production build on a free port; yield its base URL.

    `env_overrides` replaces or adds variables (e.g. Postgres, Redis, Chroma server, workers).
    `project_dir` runs a copy of the project (see `project_copy`): its own frontend build, so a
    second app in one test session does not rebuild the first one's.
    `port` defaults to a free one; the build names its port, so reusing a build needs the same port.
    """
    port = port or free_port()
    env = {
        **os.environ,
        "WORKSHOP_DATA_DIR": str(data_dir),
        "WORKSHOP_OLLAMA_URLS": ollama_url,
        "WORKSHOP_DATABASE_URL": "",
        "REFLEX_HTTP_CLIENT_BIND_ADDRESS": "0.0.0.0",
        "WORKSHOP_ENGINE": "off",  # the given host only, even while it refuses connections
        **(env_overrides or {}),
    }
    if project_dir:
        env["PYTHONPATH"] = str(project_dir)
    command = [sys.executable, "-m", "workshop_app.cli", "run", "--port", str(port)]
    with served(command, port, env, cwd=project_dir, log_path=log_path) as base_url:
        yield base_url


@contextmanager
def served(command: list[str], port: int, env: Mapping[str, str], cwd: Path | None, log_path: Path) -> Iterator[str]:
    """Run a `workshop run`-like `command` in its own process group until it answers /health on `port`;
    yield its base URL and stop the whole group afterwards."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
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
        with contextlib.suppress(ProcessLookupError):  # nothing left of a server that failed to start
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def project_copy(destination: Path) -> Path:
    """A copy of the working tree without build output, data or the virtual env; bun is shared."""
    shutil.copytree(PROJECT_ROOT, destination, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    if (PROJECT_ROOT / ".tools").exists():
        (destination / ".tools").symlink_to(PROJECT_ROOT / ".tools", target_is_directory=True)
    return destination


_NOT_COPIED = (
    ".web",
    ".venv",
    ".tools",
    ".git",
    "data",
    "test-artifacts",
    ".pytest_cache",
    "__pycache__",
    "*.egg-info",
    "*.whl",
)
