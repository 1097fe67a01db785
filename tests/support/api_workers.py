"""Several app processes on one machine serving the REST face (the FastAPI app `workshop run` mounts),
each on its own port, sharing the environment's database and Redis: workers a test can address
one by one and kill one by one, without building the frontend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port, wait_for_port
from workshop_app.db.migrations import PROJECT_ROOT


@dataclass
class ApiWorker:
    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """Stop at once, as a crashed or OOM-killed worker does: no shutdown code runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)


@contextmanager
def api_worker(env: Mapping[str, str], log_path: Path) -> Iterator[ApiWorker]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "workshop_app.api:build_api"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env={**os.environ, **env, "PYTHONPATH": str(PROJECT_ROOT)},
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, 120, process)
        yield ApiWorker(f"http://127.0.0.1:{port}", process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(30)


@contextmanager
def api_workers(count: int, env: Mapping[str, str], log_dir: Path) -> Iterator[list[ApiWorker]]:
    with ExitStack() as stack:
        yield [stack.enter_context(api_worker(env, log_dir / f"worker-{n}.log")) for n in range(count)]
