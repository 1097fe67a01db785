"""`workshop launch`: the app as a desktop program, on top of the same server `workshop run` starts.

One server per data directory: the launch that starts it records its pid and port in
`<data_dir>/server.json`, and any later launch finds it there (or answering on the
configured port) and only opens a window. The window is Chromium in app mode
(`--app=URL`: no tabs or address bar) with a profile of its own in the data
directory, so a second launch is handed to the running window process instead of
starting a new browser. The launch that started the server waits for that window
process and stops the server when it exits. Without Chromium the default browser
opens a tab; a browser tab cannot be watched, so that launch keeps the server until
Ctrl+C.

`workshop launch --shortcut` adds the app to the desktop's menu: a freedesktop `.desktop` entry
that runs this same `workshop launch` with the app's icon.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import webbrowser
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import psutil

from workshop_app import app_files
from workshop_app.settings import APP_DIR_NAME, xdg_data_home

RECORD_FILE = "server.json"
LOG_FILE = "server.log"
WINDOW_PROFILE = "app-window"
START_TIMEOUT_S = 900.0  # the first start builds the frontend
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WINDOW_CLASS = APP_DIR_NAME
"""The app window's X11 class: desktops match it to the desktop entry (StartupWMClass) and show its icon."""


@dataclass(frozen=True)
class ServerRecord:
    pid: int
    port: int
    url: str


def is_serving(url: str) -> bool:
    """True when the platform answers its liveness check at `url`."""
    try:
        response = httpx.get(f"{url}/health", timeout=2.0)
        return response.status_code in (200, 503) and "status" in response.json()
    except (httpx.HTTPError, ValueError):
        return False


def _read_record(data_dir: Path) -> ServerRecord | None:
    try:
        return ServerRecord(**json.loads((data_dir / RECORD_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def running_server(data_dir: Path, port: int) -> ServerRecord | None:
    """The server this data directory already has: recorded by a launch, or answering on `port`."""
    record = _read_record(data_dir)
    if record is not None and psutil.pid_exists(record.pid) and is_serving(record.url):
        return record
    (data_dir / RECORD_FILE).unlink(missing_ok=True)  # left by a server that is gone
    url = f"http://127.0.0.1:{port}"
    return ServerRecord(pid=0, port=port, url=url) if is_serving(url) else None


def start_server(
    data_dir: Path, port: int, command: list[str], timeout: float = START_TIMEOUT_S
) -> tuple[subprocess.Popen, ServerRecord]:
    """Start `command` in its own process group, record it, and return once it answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOG_FILE, "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    record = ServerRecord(pid=process.pid, port=port, url=f"http://127.0.0.1:{port}")
    (data_dir / RECORD_FILE).write_text(json.dumps(asdict(record)))
    deadline = time.monotonic() + timeout
    while not is_serving(record.url):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process, data_dir)
            raise RuntimeError(f"the server did not start; see {data_dir / LOG_FILE}")
        time.sleep(0.5)
    return process, record


def stop_server(process: subprocess.Popen, data_dir: Path) -> None:
    """Stop the server's whole process group (the app server has children) and forget it."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    record = _read_record(data_dir)
    if record is not None and record.pid == process.pid:
        (data_dir / RECORD_FILE).unlink(missing_ok=True)


def app_window_command(url: str, data_dir: Path) -> list[str] | None:
    """Chromium in app mode with the launcher's own profile, or None when no Chromium is installed."""
    browser = next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)
    if browser is None:
        return None
    profile = data_dir / WINDOW_PROFILE
    command = [browser, f"--app={url}", f"--user-data-dir={profile}", f"--class={WINDOW_CLASS}"]
    command += ["--no-first-run", "--no-default-browser-check"]
    if os.geteuid() == 0:
        command.append("--no-sandbox")  # Chromium refuses to start as root otherwise (containers, kiosks)
    return command


def launch(
    data_dir: Path,
    port: int,
    server_command: list[str],
    echo: Callable[[str], None],
    window_command: Callable[[str, Path], list[str] | None] = app_window_command,
    open_in_browser: Callable[[str], object] = webbrowser.open,
) -> None:
    """Open the app, starting its server first when needed; stop the server when our window closes."""
    record = running_server(data_dir, port)
    started = None
    if record is None:
        echo(f"Starting the server on port {port} (the first start builds the app and takes a minute or two)...")
        started, record = start_server(data_dir, port, server_command)
    window = window_command(record.url, data_dir)
    if window is None:
        open_in_browser(record.url)
        echo(f"Opened {record.url} in your browser.")
        if started is not None:
            _serve_until_interrupted(started, data_dir, echo)
        return
    echo(f"Opening {record.url} in an app window.")
    viewer = subprocess.Popen(window, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if started is None:
        return  # the running window (if any) takes over; the server belongs to whoever started it
    try:
        viewer.wait()
    except KeyboardInterrupt:
        viewer.terminate()
    finally:
        echo("The window closed; stopping the server.")
        stop_server(started, data_dir)


def _serve_until_interrupted(process: subprocess.Popen, data_dir: Path, echo: Callable[[str], None]) -> None:
    echo("Press Ctrl+C to stop the server.")
    try:
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop_server(process, data_dir)


def desktop_entry(workshop_command: Path, icon: Path = app_files.ICON) -> str:
    """A freedesktop desktop entry that opens the app window with `workshop launch`."""
    exec_path = f'"{workshop_command}"' if " " in str(workshop_command) else str(workshop_command)
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.5",
            "Name=Ollama Workshop",
            "GenericName=LLM workshop",
            "Comment=Run a hands-on workshop with local LLMs: models, chat, prompts, tools, RAG",
            f"Exec={exec_path} launch",
            f"Icon={icon}",
            "Terminal=false",
            "Categories=Education;Development;",
            "Keywords=LLM;Ollama;AI;RAG;",
            f"StartupWMClass={WINDOW_CLASS}",
            "",
        ]
    )


def workshop_command() -> Path:
    """The absolute path of the `workshop` command this process belongs to (beside its Python, as pip and pipx
    install it), for a desktop entry that does not depend on PATH."""
    beside = Path(sys.executable).parent / "workshop"
    found = beside if beside.exists() else Path(shutil.which("workshop") or beside)
    return found.absolute()


def write_shortcut(applications_dir: Path | None = None) -> Path:
    """Write the desktop entry into the user's applications folder; return its path."""
    folder = applications_dir or xdg_data_home().expanduser() / "applications"
    folder.mkdir(parents=True, exist_ok=True)
    entry = folder / f"{APP_DIR_NAME}.desktop"
    entry.write_text(desktop_entry(workshop_command()))
    entry.chmod(0o755)  # some desktops only start entries that are marked executable
    return entry
