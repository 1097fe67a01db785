"""`workshop run` and the built-in engine: when it starts, where the app finds it, and that it ends with the server.

The engine's stand-in here is the Ollama-speaking fake run as a program (same command-line shape);
the server's stand-in is a sleeping Python, since what is tested is the process tie, not the app.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.run_like import dead_url, gone, run_like
from workshop_app import engine_launch
from workshop_app.db.migrations import PROJECT_ROOT
from workshop_app.settings import Settings

STANDIN_ENGINE = "tests.fakes.ollama_server"
"""Speaks Ollama's API with the engine's command line (--host, --port), and starts in a blink."""


def settings(engine: str, urls: str) -> Settings:
    return Settings(engine=engine, ollama_urls=urls)


@pytest.mark.parametrize(
    ("mode", "host_answers", "starts"),
    [("auto", True, False), ("auto", False, True), ("embedded", True, True), ("off", False, False)],
)
def test_the_setting_decides_whether_the_engine_starts(
    fake_server: FakeOllama, mode: str, host_answers: bool, starts: bool
) -> None:
    url = fake_server.url if host_answers else dead_url()
    assert engine_launch.wanted(settings(mode, url)) is starts


def test_auto_starts_it_only_when_no_configured_host_answers(fake_server: FakeOllama) -> None:
    assert engine_launch.wanted(settings("auto", f"{dead_url()},{fake_server.url}")) is False
    assert engine_launch.wanted(settings("auto", f"{dead_url()},{dead_url()}")) is True


def test_the_app_is_pointed_at_the_engine_instead_of_silent_hosts_or_beside_configured_ones() -> None:
    configured = "http://gpu-box:11434,http://localhost:11434"
    engine = "http://127.0.0.1:40001"
    assert engine_launch.app_hosts(settings("auto", configured), engine) == engine
    assert engine_launch.app_hosts(settings("embedded", configured), engine) == f"{configured},{engine}"


def test_an_invalid_mode_is_one_clear_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workshop_app.cli", "check"],
        env={**os.environ, "WORKSHOP_ENGINE": "sometimes"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "WORKSHOP_ENGINE='sometimes'" in result.stderr and "'auto', 'embedded' or 'off'" in result.stderr


@dataclass
class Served:
    server: subprocess.Popen
    engine_pid: int
    app_hosts: str


@pytest.fixture
def served() -> Iterator[Served]:
    """A run-like start with no Ollama answering: the engine, then the server in the same process."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "WORKSHOP_ENGINE": "auto", "WORKSHOP_OLLAMA_URLS": dead_url()}
    server = subprocess.Popen(
        [sys.executable, "-c", run_like(STANDIN_ENGINE)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    line = ""
    while not line.startswith("ENGINE"):
        line = server.stdout.readline()  # type: ignore[union-attr]
        assert line, "the run-like start ended before the engine answered"
    _, engine_pid, hosts = line.split()
    yield Served(server, int(engine_pid), hosts)
    for pid in (server.pid, int(engine_pid)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.wait(10)


def test_the_app_gets_the_engine_url_and_the_engine_answers(served: Served) -> None:
    assert served.app_hosts.startswith("http://127.0.0.1:")
    assert httpx.get(f"{served.app_hosts}/api/version", timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("how", "signum"),
    [("SIGTERM to the server", signal.SIGTERM), ("the server killed", signal.SIGKILL)],
)
def test_the_engine_ends_when_the_server_ends(served: Served, how: str, signum: int) -> None:
    os.kill(served.server.pid, signum)
    served.server.wait(10)
    assert gone(served.engine_pid), f"the engine outlived the server ({how})"


def test_ctrl_c_ends_both(served: Served) -> None:
    os.killpg(served.server.pid, signal.SIGINT)  # what the terminal sends to the foreground group
    served.server.wait(10)
    assert gone(served.engine_pid)
