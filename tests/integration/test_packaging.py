"""The app as a desktop program: build the wheel, install it into a fresh virtual env outside the
repository, and run it from another folder as someone who installed it would.

The fresh env gets the wheel alone (`--no-deps`, no index); its dependencies come from this test
run's own environment through a .pth file, so no network is needed past the wheel build (which
fetches setuptools into pip's isolated build env, from pip's cache when it has it). PYTHONPATH and
every WORKSHOP_ variable are removed: the installed app must find its files and choose its data
directory by itself.
"""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import Browser, expect

from tests.fakes.ollama_server import FakeOllama
from tests.support.app_server import project_copy, served
from tests.support.people import new_person, register
from tests.support.ports import free_port
from tests.support.xvfb import screenshot, virtual_display
from workshop_app.cli import BUN_IN_REPO
from workshop_app.launcher import WINDOW_CLASS, is_serving

pytestmark = [pytest.mark.packaging, pytest.mark.e2e]


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin_dir: Path
    site_packages: Path

    @property
    def workshop(self) -> Path:
        return self.bin_dir / "workshop"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel built from a copy of the working tree, installed into a fresh virtual env."""
    root = tmp_path_factory.mktemp("packaging")
    source = project_copy(root / "source")
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(source)], timeout=600)
    (wheel,) = (root / "dist").glob("workshop_app-*.whl")
    venv = root / "venv"
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)])
    site_packages = Path(
        _run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    )
    install = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", "--no-deps"]
    _run([*install, "--no-index", "--force-reinstall", str(wheel)], env=_without_pythonpath())
    # After the install: with this env's packages visible, pip would count the editable install as this wheel.
    (site_packages / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return Installed(wheel, venv / "bin", site_packages)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's home for this module: a launch after a run with the same port reuses that build."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


def _without_pythonpath() -> dict[str, str]:
    """This environment minus PYTHONPATH, which names the checkout (and any metadata a build left there)."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}


def _run(command: list[str], timeout: float = 120, **kwargs) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _user_environment(home: Path, ollama_url: str) -> dict[str, str]:
    """A user's shell: no PYTHONPATH, no WORKSHOP_ settings but the Ollama host, bun where setup put it."""
    env = {name: value for name, value in _without_pythonpath().items() if "WORKSHOP_" not in name}
    env |= {"XDG_DATA_HOME": str(home / "share"), "WORKSHOP_OLLAMA_URLS": ollama_url, "WORKSHOP_ENGINE": "off"}
    env |= {"REFLEX_TELEMETRY_ENABLED": "false", "REFLEX_CHECK_LATEST_VERSION": "0"}
    if BUN_IN_REPO.exists():
        env.setdefault("REFLEX_BUN_PATH", str(BUN_IN_REPO))
    return env


def test_the_wheel_carries_what_the_app_needs_beside_its_code(installed: Installed) -> None:
    bundled = installed.site_packages / "workshop_app" / "bundled"
    for name in ("rxconfig.py", "alembic.ini", "alembic/env.py", "reflex.lock/bun.lock", "assets/favicon.ico"):
        assert (bundled / name).is_file(), name
    assert sorted(path.name for path in (bundled / "alembic" / "versions").glob("*.py"))
    assert installed.wheel.stat().st_size < 5 * 1024 * 1024


def test_two_installed_instances_serve_from_another_folder_with_builds_and_data_in_the_users_data_directory(
    installed: Installed, home: Path, port: int, fake_server: FakeOllama, browser: Browser, artifacts: Path
) -> None:
    """Started from a folder of no importance, on two ports: each keeps its own build (the bundle names its
    port), the first still signs people in after the second started, and nothing lands in that folder."""
    elsewhere = home / "somewhere"
    elsewhere.mkdir()
    env = _user_environment(home, fake_server.url)
    ports = port, free_port()
    run = [str(installed.workshop), "run", "--port"]
    with served([*run, str(ports[0])], ports[0], env, elsewhere, artifacts / "installed-first.log") as first_url:
        with served([*run, str(ports[1])], ports[1], env, elsewhere, artifacts / "installed-second.log"):
            pass  # built and served; stopped again, so the first server alone can answer a sign-in now
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.set_default_timeout(30_000)
        register(page, first_url, new_person("owner"))  # over the websocket of the first server's own bundle
        logo = page.locator("img.app-logo").first
        expect(logo).to_be_visible()
        assert logo.evaluate("image => image.complete && image.naturalWidth > 0")  # the sidebar's logo was drawn
        expect(page.locator('head link[rel="icon"][href="/icon.svg"]')).to_have_count(1)
        favicon = page.request.get(f"{first_url}/favicon.ico")
        assert favicon.status == 200 and favicon.headers["content-type"] in ("image/vnd.microsoft.icon", "image/x-icon")
        assert favicon.body() == (installed.site_packages / "workshop_app/bundled/assets/favicon.ico").read_bytes()
        logo_file = page.request.get(f"{first_url}/icon.svg")
        assert logo_file.status == 200 and logo_file.headers["content-type"].startswith("image/svg+xml")
        page.screenshot(path=str(artifacts / "installed-app.png"))
        page.context.close()
    data = home / "share" / "ollama-workshop"
    assert (data / "workshop.db").is_file() and (data / "secret_key").is_file()
    builds = [_built_port(folder) for folder in sorted((data / "web").iterdir())]
    assert sorted(builds) == sorted(ports)
    assert list(elsewhere.iterdir()) == []


def _built_port(work_dir: Path) -> int:
    """The port a build's bundle sends its events to."""
    (env_module,) = (work_dir / ".web" / "build" / "client" / "assets").glob("reflex-env-*.js")
    found = re.search(r"EVENT:`ws://[^:/]+:(\d+)/", env_module.read_text())
    assert found is not None, env_module.read_text()
    return int(found.group(1))


def test_workshop_launch_from_another_folder_opens_the_app_window(
    installed: Installed, home: Path, port: int, fake_server: FakeOllama, artifacts: Path
) -> None:
    elsewhere = home / "elsewhere-again"
    elsewhere.mkdir()
    env = _user_environment(home, fake_server.url)
    data = home / "share" / "ollama-workshop"
    with virtual_display() as display:
        env["DISPLAY"] = display.name
        launch = psutil.Popen(
            [str(installed.workshop), "launch", "--port", str(port)],
            cwd=elsewhere,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            window = _app_window(data / "app-window", launch)
            assert f"--class={WINDOW_CLASS}" in window.cmdline()  # the desktop entry's StartupWMClass
            time.sleep(4)  # let it paint
            _width, _height, colours = screenshot(display, artifacts / "installed-launch-window.png")
            assert colours > 2
            window.terminate()  # closing the window
            output, _ = launch.communicate(timeout=60)
        finally:
            if launch.is_running():
                launch.kill()
    assert launch.returncode == 0, output
    assert "The window closed; stopping the server." in output
    assert not is_serving(f"http://127.0.0.1:{port}")
    assert (data / "server.log").is_file() and (data / "workshop.db").is_file()
    assert list(elsewhere.iterdir()) == []


def _app_window(profile: Path, launch: psutil.Popen) -> psutil.Process:
    """The app window's browser process (the one whose parent is not itself Chromium)."""
    deadline = time.monotonic() + 900  # the launch builds the web interface first
    while time.monotonic() < deadline:
        assert launch.poll() is None, launch.stdout.read() if launch.stdout else "the launch ended"
        for process in psutil.process_iter(["cmdline"]):
            cmdline = process.info["cmdline"] or []
            if f"--user-data-dir={profile}" in cmdline and not any(arg.startswith("--type=") for arg in cmdline):
                return process
        time.sleep(0.2)
    raise AssertionError("no app window appeared")


def test_the_desktop_entry_points_at_the_installed_command_and_icon(installed: Installed, tmp_path: Path) -> None:
    env = _user_environment(tmp_path, "http://127.0.0.1:9")
    said = _run([str(installed.workshop), "launch", "--shortcut"], env=env, cwd=tmp_path)
    entry_path = tmp_path / "share" / "applications" / "ollama-workshop.desktop"
    assert str(entry_path) in said
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(entry_path.read_text())
    entry = parser["Desktop Entry"]
    assert entry["Exec"] == f"{installed.workshop} launch"
    icon = Path(entry["Icon"])
    assert icon.is_relative_to(installed.site_packages) and icon.read_bytes().startswith(b"\x89PNG")
    assert entry["Categories"] == "Education;Development;" and entry["Type"] == "Application"
