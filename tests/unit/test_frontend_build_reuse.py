"""`workshop run` rebuilds the frontend only when what it is built from changed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from workshop_app import serving
from workshop_app.settings import Settings, load_settings

PORT = 3000


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny project tree with a finished build in .web."""
    (tmp_path / "workshop_app" / "pages").mkdir(parents=True)
    (tmp_path / "workshop_app" / "pages" / "home.py").write_text("TITLE = 'Home'\n")
    (tmp_path / "rxconfig.py").write_text("config = None\n")
    (tmp_path / ".web" / "build" / "client").mkdir(parents=True)
    (tmp_path / ".web" / "build" / "client" / "index.html").write_text("<html></html>")
    monkeypatch.setattr(serving, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(serving, "BUILD_KEY_FILE", tmp_path / ".web" / "workshop-build-key")
    monkeypatch.setattr(serving, "BUILT_INDEX", tmp_path / ".web" / "build" / "client" / "index.html")
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def _settings() -> Settings:
    settings, problems = load_settings()
    assert settings is not None, problems
    return settings


def _built(monkeypatch: pytest.MonkeyPatch, key: str, exit_status: int = 0) -> bool:
    monkeypatch.setattr(serving.subprocess, "run", lambda *_a, **_k: subprocess.CompletedProcess([], exit_status))
    return serving.build_frontend(key, {})


def test_a_second_start_with_nothing_changed_reuses_the_build(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = serving.build_key(_settings(), PORT, {})
    assert not serving.build_is_current(key)  # never built by `workshop run`: build once
    assert _built(monkeypatch, key)
    assert serving.build_is_current(serving.build_key(_settings(), PORT, {}))


@pytest.mark.parametrize(
    "change",
    [
        lambda project, monkeypatch: (project / "workshop_app" / "pages" / "home.py").write_text("TITLE = 'Start'\n"),
        lambda project, monkeypatch: (
            (project / "assets").mkdir() or (project / "assets" / "logo.svg").write_text("<svg/>")
        ),
        lambda project, monkeypatch: monkeypatch.setenv("WORKSHOP_SESSION_DAYS", "3"),
    ],
    ids=["a page changed", "an asset was added", "a setting changed"],
)
def test_a_changed_source_or_setting_rebuilds(project: Path, monkeypatch: pytest.MonkeyPatch, change) -> None:  # type: ignore[no-untyped-def]
    key = serving.build_key(_settings(), PORT, {})
    assert _built(monkeypatch, key)
    change(project, monkeypatch)
    assert not serving.build_is_current(serving.build_key(_settings(), PORT, {}))


def test_another_port_rebuilds_because_the_bundle_names_it(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _built(monkeypatch, serving.build_key(_settings(), PORT, {}))
    assert not serving.build_is_current(serving.build_key(_settings(), PORT + 1, {}))


def test_a_failed_or_deleted_build_is_not_reused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = serving.build_key(_settings(), PORT, {})
    assert _built(monkeypatch, key)
    assert not _built(monkeypatch, key, exit_status=1)
    assert not serving.build_is_current(key)
    assert _built(monkeypatch, key)
    (project / ".web" / "build" / "client" / "index.html").unlink()
    assert not serving.build_is_current(key)
