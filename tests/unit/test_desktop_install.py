"""The app installed like a desktop program: its data in the user's data directory whatever folder it
is started from, the same settings in the folder its server runs in, and a desktop entry with its icon."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workshop_app import app_files
from workshop_app.cli import reflex_environment
from workshop_app.launcher import WINDOW_CLASS, app_window_command, write_shortcut
from workshop_app.settings import elsewhere_environment, load_settings


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Started from some folder, with no data directory configured."""
    monkeypatch.delenv("WORKSHOP_DATA_DIR", raising=False)
    folder = tmp_path / "some-folder"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_the_data_lives_in_the_users_data_directory_not_the_current_folder(
    elsewhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings, _ = load_settings()
    assert settings is not None
    assert settings.data_dir == tmp_path / "xdg" / "ollama-workshop"
    assert settings.database_url == f"sqlite:///{tmp_path / 'xdg' / 'ollama-workshop' / 'workshop.db'}"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")  # the spec says to ignore it
    settings, _ = load_settings()
    assert settings is not None and settings.data_dir == Path.home() / ".local" / "share" / "ollama-workshop"


def test_a_server_started_in_another_folder_keeps_this_folders_settings(
    elsewhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`workshop run` serves from the build's folder: this folder's .env and relative paths must follow it."""
    (elsewhere / ".env").write_text("WORKSHOP_DATA_DIR=here-data\nWORKSHOP_SESSION_DAYS=3\nWORKSHOP_UPLOAD_MAX_MB=7\n")
    monkeypatch.setenv("WORKSHOP_UPLOAD_MAX_MB", "5")  # the environment wins over .env, as in this folder
    here, _ = load_settings()
    assert here is not None
    child_env = elsewhere_environment(here)
    monkeypatch.chdir(tmp_path)
    for name, value in child_env.items():
        monkeypatch.setenv(name, value)
    there, _ = load_settings()
    assert there is not None
    assert there.data_dir == elsewhere / "here-data" == here.data_dir
    assert (there.session_days, there.upload_max_mb, there.chroma_path) == (3, 5, here.chroma_path)


def test_the_desktop_entry_starts_this_install_with_the_apps_icon(tmp_path: Path) -> None:
    entry_path = write_shortcut(tmp_path / "applications")
    assert entry_path == tmp_path / "applications" / "ollama-workshop.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(entry_path.read_text())
    entry = parser["Desktop Entry"]
    command, argument = entry["Exec"].rsplit(" ", 1)
    assert Path(command).is_absolute() and os.access(command, os.X_OK) and argument == "launch"
    assert Path(command).name == "workshop"
    assert Path(entry["Icon"]) == app_files.ICON and app_files.ICON.read_bytes().startswith(b"\x89PNG")
    assert entry["Type"] == "Application" and entry["Name"] == "Ollama Workshop"
    assert entry["Categories"] == "Education;Development;"
    window = app_window_command("http://127.0.0.1:3000", tmp_path)
    assert window is not None and f"--class={WINDOW_CLASS}" in window  # the desktop matches the window to the entry
    assert entry["StartupWMClass"] == WINDOW_CLASS


def test_reflex_finds_the_app_from_the_build_folder_whatever_the_install(
    elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reflex looks the app module up by walking sys.path's folders, which an editable install's import
    hook does not take part in: the build and the server run in a work folder with the child's environment."""
    monkeypatch.delenv("PYTHONPATH", raising=False)
    settings, _ = load_settings()
    assert settings is not None
    lookup = "from reflex.utils.misc import get_module_path; print(get_module_path('workshop_app.workshop_app'))"
    found = subprocess.run(
        [sys.executable, "-c", lookup], cwd=elsewhere, env=reflex_environment(settings), capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()) == app_files.PACKAGE_DIR / "workshop_app.py"
