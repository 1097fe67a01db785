"""The Ollama-speaking fake as its own process, so a test can freeze (SIGSTOP) or kill it like a real Ollama."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class FakeProcess:
    url: str
    process: subprocess.Popen

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        self.process.kill()


@contextmanager
def fake_process(
    *, token_delay: float = 0.0, first_token_delay: float = 0.0, reply_tokens: int = 12
) -> Iterator[FakeProcess]:
    """Start `python -m tests.fakes.ollama_server` on a free port; yield it; end it (thawed first) after."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "tests.fakes.ollama_server",
        "--port",
        str(port),
        "--token-delay",
        str(token_delay),
        "--first-token-delay",
        str(first_token_delay),
        "--reply-tokens",
        str(reply_tokens),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 30, process)
        yield FakeProcess(f"http://127.0.0.1:{port}", process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
        process.wait(10)
