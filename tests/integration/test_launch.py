"""`workshop launch` logic against a small stand-in server; a real Chromium app window under Xvfb.

The stand-in answers /health like the app, so these tests exercise the launcher's
own decisions (start or reuse, open a window, stop what it started) in seconds.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from tests.support.ports import free_port
from tests.support.xvfb import screenshot, virtual_display
from workshop_app.launcher import RECORD_FILE, app_window_command, is_serving, launch

STANDIN = [sys.executable, "-m", "tests.support.standin_server", "--port"]


def window_stub(script: str):
    """A 'window' that runs `script` with URL and DATA set, standing in for the user's browser window."""

    def command(url: str, data_dir: Path) -> list[str]:
        return [sys.executable, "-c", f"URL, DATA = {url!r}, {str(data_dir)!r}\n{script}"]

    return command


def test_launch_starts_the_server_and_stops_it_when_the_window_closes(tmp_path: Path) -> None:
    port = free_port()
    seen = tmp_path / "seen.txt"
    opened = window_stub(
        f"import urllib.request, time\nopen({str(seen)!r}, 'w')"
        ".write(urllib.request.urlopen(URL + '/health').read().decode())"
        f"\ntime.sleep(0.5)"
    )
    messages: list[str] = []

    launch(tmp_path, port, [*STANDIN, str(port)], messages.append, window_command=opened)

    assert json.loads(seen.read_text()) == {"status": "ok"}  # the window found the server answering
    assert not is_serving(f"http://127.0.0.1:{port}")  # and closing it stopped the server
    assert not (tmp_path / RECORD_FILE).exists()
    assert messages[-1] == "The window closed; stopping the server."


def test_a_second_launch_opens_a_window_on_the_running_server(tmp_path: Path) -> None:
    port = free_port()
    close = tmp_path / "close-first-window"
    first_window = window_stub(f"import os, time\nwhile not os.path.exists({str(close)!r}): time.sleep(0.05)")
    first = threading.Thread(
        target=launch,
        args=(tmp_path, port, [*STANDIN, str(port)], lambda _m: None),
        kwargs={"window_command": first_window},
    )
    first.start()
    deadline = time.monotonic() + 20
    while not (tmp_path / RECORD_FILE).exists() or not is_serving(f"http://127.0.0.1:{port}"):
        assert time.monotonic() < deadline, "the first launch did not start its server"
        time.sleep(0.05)
    server_pid = json.loads((tmp_path / RECORD_FILE).read_text())["pid"]

    second_urls: list[str] = []
    refuses_to_start = [sys.executable, "-c", "raise SystemExit('a second server was started')"]
    launch(
        tmp_path,
        port,
        refuses_to_start,
        lambda _m: None,
        window_command=lambda url, _d: second_urls.append(url) or [sys.executable, "-c", ""],
    )

    assert second_urls == [f"http://127.0.0.1:{port}"]
    assert json.loads((tmp_path / RECORD_FILE).read_text())["pid"] == server_pid
    assert is_serving(f"http://127.0.0.1:{port}")  # the second window's exit stops nothing it did not start
    close.touch()
    first.join(30)
    assert not is_serving(f"http://127.0.0.1:{port}")


def test_without_chromium_the_default_browser_opens_the_running_server(tmp_path: Path) -> None:
    port = free_port()
    server = psutil.Popen([*STANDIN, str(port)])
    try:
        while not is_serving(f"http://127.0.0.1:{port}"):
            time.sleep(0.05)
        opened: list[str] = []
        launch(
            tmp_path,
            port,
            ["false"],
            lambda _m: None,
            window_command=lambda _u, _d: None,
            open_in_browser=opened.append,
        )
        assert opened == [f"http://127.0.0.1:{port}"]
        assert server.is_running()
    finally:
        server.terminate()
        server.wait(10)


def test_a_real_app_window_under_xvfb(tmp_path: Path, artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chromium in app mode on a virtual display: screenshot it, close it, and the server stops."""
    port = free_port()
    with virtual_display() as display:
        monkeypatch.setenv("DISPLAY", display.name)
        first = threading.Thread(target=launch, args=(tmp_path, port, [*STANDIN, str(port)], lambda _m: None))
        first.start()
        window = _wait_for_window(tmp_path)
        time.sleep(4)  # let it paint
        width, height, colours = screenshot(display, artifacts / "launch-app-window.png")
        assert (width, height) == (1280, 800) and colours > 2  # something was drawn, not a blank screen
        window.terminate()  # what closing the last window does: the browser process exits
        first.join(60)
    assert not first.is_alive()
    assert not is_serving(f"http://127.0.0.1:{port}")
    assert app_window_command("http://x", tmp_path) is not None


def _wait_for_window(data_dir: Path) -> psutil.Process:
    """The app window's browser process (the one whose parent is not itself Chromium)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for process in psutil.process_iter(["cmdline"]):
            cmdline = process.info["cmdline"] or []
            if any(arg == f"--user-data-dir={data_dir / 'app-window'}" for arg in cmdline) and not any(
                a.startswith("--type=") for a in cmdline
            ):
                return process
        time.sleep(0.1)
    raise AssertionError("no app window appeared")
