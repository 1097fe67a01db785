"""How `workshop run` brings the built-in model engine along: decide, start, hand its URL to the app.

The engine is a separate process (`python -m workshop_app.engine`), so the app's workers
keep their event loops free of model work and one engine serves every worker. It is
started before the server and tied to it: the kernel sends it SIGTERM when the process
that started it ends (Linux's parent-death signal), and that process then *becomes* the
server (exec), so the engine lives exactly as long as the server, whether that ends by
Ctrl-C, SIGTERM, a crash or SIGKILL. No pid files, no orphans.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, NoReturn

import httpx

from workshop_app.settings import Settings

ENGINE_MODULE = "workshop_app.engine"
ENGINE_HOST = "127.0.0.1"
PROBE_TIMEOUT_S = 1.0
"""A configured host that has not answered /api/version within this counts as absent at start."""
READY_TIMEOUT_S = 60.0
_PR_SET_PDEATHSIG = 1


class EngineFailed(RuntimeError):
    """The engine exited or never answered; the message says which."""


@dataclass
class EngineChild:
    """The engine process `workshop run` started, and the URL the app reaches it at."""

    process: subprocess.Popen
    url: str

    def stop(self) -> None:
        """End the engine now (the server never started)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def engine_command(port: int, host: str = ENGINE_HOST) -> list[str]:
    return [sys.executable, "-m", ENGINE_MODULE, "--host", host, "--port", str(port)]


def answers(url: str, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether an Ollama-speaking server answers at `url` (a quick /api/version)."""
    try:
        return httpx.get(f"{url}/api/version", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def wanted(settings: Settings, probe: Callable[[str], bool] = answers) -> bool:
    """auto: only when no configured host answers; embedded: always; off: never."""
    if settings.engine == "off":
        return False
    if settings.engine == "embedded":
        return True
    return not any(probe(url) for url in settings.ollama_base_urls)


def app_hosts(settings: Settings, engine_url: str) -> str:
    """WORKSHOP_OLLAMA_URLS for the app: the engine instead of the silent hosts (auto), or beside them (embedded)."""
    hosts = [engine_url] if settings.engine == "auto" else [*settings.ollama_base_urls, engine_url]
    return ",".join(hosts)


def free_port(host: str = ENGINE_HOST) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking the kernel for SIGTERM when the starting process ends (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: the child after fork must not import or load
    parent = os.getpid()

    def hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent ended before the request took effect
            os._exit(1)

    return hook


def start_engine(
    env: Mapping[str, str], port: int | None = None, timeout: float = READY_TIMEOUT_S, output: IO[str] | None = None
) -> EngineChild:
    """Start the engine on a free local port and wait until it answers; EngineFailed otherwise.

    Its log goes to `output` (default: this process's own output, the terminal).
    """
    port = port or free_port()
    process = subprocess.Popen(
        engine_command(port), env=dict(env), stdout=output, stderr=output, preexec_fn=_die_with_parent()
    )
    child = EngineChild(process, f"http://{ENGINE_HOST}:{port}")
    deadline = time.monotonic() + timeout
    while not answers(child.url, timeout=0.5):
        if process.poll() is not None:
            raise EngineFailed(f"the built-in engine exited with status {process.returncode} (see its lines above)")
        if time.monotonic() > deadline:
            child.stop()
            raise EngineFailed(f"the built-in engine did not answer at {child.url} within {timeout:g} s")
        time.sleep(0.1)
    return child


def start_for_run(settings: Settings, env: dict[str, str], echo: Callable[[str], None]) -> EngineChild | None:
    """Start the engine if the setting asks for it, and point the app (`env`) at it.

    An engine that fails to start stops `embedded` (it was asked for); with `auto` the app
    still starts and its pages say that no host answers.
    """
    if not wanted(settings):
        return None
    reason = (
        "WORKSHOP_ENGINE=embedded"
        if settings.engine == "embedded"
        else "no Ollama answered at " + ", ".join(settings.ollama_base_urls)
    )
    echo(f"Starting the built-in model engine ({reason}) ...")
    try:
        child = start_engine(env)
    except EngineFailed as error:
        if settings.engine == "embedded":
            raise
        echo(f"Warning: {error}; serving without it.")
        return None
    env["WORKSHOP_OLLAMA_URLS"] = app_hosts(settings, child.url)
    echo(f"Built-in model engine at {child.url}")
    return child


def become(command: list[str], env: Mapping[str, str]) -> NoReturn:
    """Replace this process with `command` (the server), keeping the engine tied to it.

    Ctrl-C in the instant before the exec would otherwise be lost: Python's handler takes the
    signal and only raises KeyboardInterrupt at its next step, which the exec never reaches, so
    the server would start as if nothing had been pressed. With the default action restored
    first, such a Ctrl-C ends the process (and the engine with it); `signal.signal` itself
    raises a KeyboardInterrupt already taken.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execve(command[0], command, env)
