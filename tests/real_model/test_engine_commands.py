"""The commands that start the real engine: `workshop engine` alone, and `workshop run`'s start
(auto, nothing else answering) with the engine ending when the server does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port, wait_for_port
from tests.support.run_like import dead_url, gone, run_like
from workshop_app.db.migrations import PROJECT_ROOT

pytestmark = pytest.mark.real_model

ENGINE_START_S = 60


def test_workshop_engine_serves_the_engine_on_the_given_port(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "WORKSHOP_DATA_DIR": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT)}
    engine = subprocess.Popen([sys.executable, "-m", "workshop_app.cli", "engine", "--port", str(port)], env=env)
    try:
        wait_for_port(port, ENGINE_START_S, engine)
        version = httpx.get(f"http://127.0.0.1:{port}/api/version", timeout=10).json()
        assert version["engine"] == "workshop-builtin" and version["slots"] >= 1
    finally:
        engine.send_signal(signal.SIGINT)  # Ctrl-C
        assert engine.wait(20) is not None


def test_the_real_engine_started_for_the_app_ends_with_the_server(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "WORKSHOP_DATA_DIR": str(tmp_path),
        "WORKSHOP_ENGINE": "auto",
        "WORKSHOP_OLLAMA_URLS": dead_url(),
    }
    server = subprocess.Popen([sys.executable, "-c", run_like()], env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = ""
        while not line.startswith("ENGINE"):
            line = server.stdout.readline()  # type: ignore[union-attr]
            assert line, "the start ended before the engine answered"
        _, pid, hosts = line.split()
        assert httpx.get(f"{hosts}/api/version", timeout=10).json()["engine"] == "workshop-builtin"
        server.send_signal(signal.SIGTERM)
        server.wait(20)
        assert gone(int(pid), within=20), "the engine outlived the server"
    finally:
        if server.poll() is None:
            server.kill()
