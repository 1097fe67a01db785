"""Starting the engine the way `workshop run` does, outside the app, to test how it ends."""

from __future__ import annotations

import os
import time

from tests.support.ports import free_port

_START = """import os, sys
from workshop_app import engine_launch
from workshop_app.settings import get_settings
{swap}env = dict(os.environ)
report = os.fdopen(os.dup(1), "w")  # the ENGINE line alone on the pipe: the engine's own log goes elsewhere
quiet = os.open(os.devnull, os.O_WRONLY)
os.dup2(quiet, 1)
os.dup2(quiet, 2)
child = engine_launch.start_for_run(get_settings(), env, print)
print("ENGINE", child.process.pid, env["WORKSHOP_OLLAMA_URLS"], file=report, flush=True)
engine_launch.become([sys.executable, "-c", "import time; time.sleep(600)"], env)
"""


def run_like(standin_engine: str | None = None) -> str:
    """Python source that starts the engine as `workshop run` does (or `standin_engine`, a module with
    the same command line), prints `ENGINE <pid> <app hosts>`, then becomes the "server" (exec)."""
    swap = f"engine_launch.ENGINE_MODULE = {standin_engine!r}\n" if standin_engine else ""
    return _START.format(swap=swap)


def dead_url() -> str:
    """A loopback URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether the process ends (or is left a zombie for its reaper) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().split(")")[-1].split()[0] == "Z":
                    return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.05)
    return False
