"""`workshop run` rebuilds the frontend only when what it is built from changed, and keeps each
build in a work folder of its own under the data directory."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from workshop_app import app_files, serving
from workshop_app.settings import Settings, load_settings

PORT = 3000


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny app tree (code, assets, Reflex's config and lock files) and a data directory."""
    package = tmp_path / "app" / "workshop_app"
    (package / "pages").mkdir(parents=True)
    (package / "pages" / "home.py").write_text("TITLE = 'Home'\n")
    (tmp_path / "app" / "assets").mkdir()
    (tmp_path / "app" / "assets" / "icon.svg").write_text("<svg/>")
    (tmp_path / "app" / "reflex.lock").mkdir()
    (tmp_path / "app" / "reflex.lock" / "bun.lock").write_text("{}")
    (tmp_path / "app" / "rxconfig.py").write_text("config = None\n")
    monkeypatch.setattr(app_files, "PACKAGE_DIR", package)
    monkeypatch.setattr(app_files, "ASSETS", tmp_path / "app" / "assets")
    monkeypatch.setattr(app_files, "REFLEX_LOCK", tmp_path / "app" / "reflex.lock")
    monkeypatch.setattr(app_files, "RXCONFIG", tmp_path / "app" / "rxconfig.py")
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def _settings() -> Settings:
    settings, problems = load_settings()
    assert settings is not None, problems
    return settings


def _build(port: int = PORT) -> serving.FrontendBuild:
    return serving.frontend_build(_settings(), port, {})


def _built(monkeypatch: pytest.MonkeyPatch, build: serving.FrontendBuild, exit_status: int = 0) -> bool:
    """Build with Reflex's export stood in for: it writes the index page, as a finished build has."""
    calls: list[Path] = []

    def export(*_args, cwd: Path, **_kwargs) -> subprocess.CompletedProcess:
        calls.append(cwd)
        (cwd / ".web" / "build" / "client").mkdir(parents=True, exist_ok=True)
        (cwd / ".web" / "build" / "client" / "index.html").write_text("<html></html>")
        return subprocess.CompletedProcess([], exit_status)

    monkeypatch.setattr(serving.subprocess, "run", export)
    done = serving.build_frontend(build, {})
    assert calls == [build.work_dir]  # Reflex ran in the build's own folder, never in the app's
    return done


def test_a_second_start_with_nothing_changed_reuses_the_build(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build = _build()
    assert not build.is_current()  # never built: build once
    assert _built(monkeypatch, build)
    assert _build().is_current()


def test_the_build_lives_in_the_data_directory_with_copies_of_what_reflex_reads(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _build()
    assert _built(monkeypatch, build)
    assert build.work_dir.parent == project / "data" / serving.BUILDS_DIR
    assert (build.work_dir / "rxconfig.py").read_text() == "config = None\n"
    assert (build.work_dir / "assets" / "icon.svg").read_text() == "<svg/>"
    assert (build.work_dir / "reflex.lock" / "bun.lock").read_text() == "{}"
    assert not (build.work_dir / "assets").is_symlink()  # Reflex writes into assets/external: never the install's
    assert sorted(path.name for path in (project / "app").iterdir()) == [
        "assets",
        "reflex.lock",
        "rxconfig.py",
        "workshop_app",
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda project, monkeypatch: (project / "app" / "workshop_app" / "pages" / "home.py").write_text("T = 1\n"),
        lambda project, monkeypatch: (project / "app" / "assets" / "logo.png").write_bytes(b"png"),
        lambda project, monkeypatch: (project / "app" / "reflex.lock" / "bun.lock").write_text('{"a": 1}'),
        lambda project, monkeypatch: monkeypatch.setenv("WORKSHOP_SESSION_DAYS", "3"),
    ],
    ids=["a page changed", "an asset was added", "the lock file changed", "a setting changed"],
)
def test_a_changed_source_or_setting_rebuilds(project: Path, monkeypatch: pytest.MonkeyPatch, change) -> None:  # type: ignore[no-untyped-def]
    assert _built(monkeypatch, _build())
    change(project, monkeypatch)
    assert not _build().is_current()


def test_instances_on_two_ports_keep_separate_builds(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundle names its port: a second instance on another port must not overwrite the first one's."""
    first, second = _build(PORT), _build(PORT + 1)
    assert first.work_dir != second.work_dir
    assert _built(monkeypatch, first)
    assert not second.is_current()
    assert _built(monkeypatch, second)
    assert first.is_current() and second.is_current()


def test_a_failed_or_deleted_build_is_not_reused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build = _build()
    assert _built(monkeypatch, build)
    assert not _built(monkeypatch, build, exit_status=1)
    assert not build.is_current()
    assert _built(monkeypatch, build)
    build.index.unlink()
    assert not build.is_current()


def test_only_the_most_recently_used_builds_are_kept(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = [_build(PORT + offset) for offset in range(serving.BUILDS_KEPT + 2)]
    for age, build in enumerate(reversed(builds)):  # the first build is the newest
        assert _built(monkeypatch, build)
        _set_last_used(build, 1_000_000 + age)
    oldest = builds[-1]
    removed = serving.prune_builds(oldest)  # the oldest is the one starting now: it stays
    assert sorted(removed) == sorted(build.work_dir for build in builds[serving.BUILDS_KEPT - 1 : -1])
    assert [build.is_current() for build in builds] == [True] * (serving.BUILDS_KEPT - 1) + [False, False, True]


def _set_last_used(build: serving.FrontendBuild, timestamp: float) -> None:
    os.utime(build.key_file, (timestamp, timestamp))
