"""Several app workers are a setting, refused unless the state they must share is shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop_app.cli import worker_environment
from workshop_app.settings import load_settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path))
    for name in ("WORKERS", "REDIS_URL", "CHROMA_URL"):
        monkeypatch.delenv(f"WORKSHOP_{name}", raising=False)


def test_one_worker_by_default_and_reflex_is_told_so(clean_env: None) -> None:
    settings, _ = load_settings()
    assert settings is not None
    assert worker_environment(settings)["GRANIAN_WORKERS"] == "1"


def test_several_workers_with_redis_and_a_chroma_server(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHOP_WORKERS", "4")
    monkeypatch.setenv("WORKSHOP_REDIS_URL", "redis://redis-host:6379/0")
    monkeypatch.setenv("WORKSHOP_CHROMA_URL", "http://chroma-host:8000")
    settings, problems = load_settings()
    assert problems == []
    assert settings is not None
    assert worker_environment(settings) == {"REFLEX_USE_GRANIAN": "true", "GRANIAN_WORKERS": "4"}


@pytest.mark.parametrize(
    ("present", "named"),
    [
        ({}, "WORKSHOP_REDIS_URL and WORKSHOP_CHROMA_URL"),
        ({"WORKSHOP_REDIS_URL": "redis://r:6379/0"}, "needs WORKSHOP_CHROMA_URL ("),
        ({"WORKSHOP_CHROMA_URL": "http://c:8000"}, "needs WORKSHOP_REDIS_URL ("),
    ],
)
def test_several_workers_without_shared_state_are_refused_by_name(
    clean_env: None, monkeypatch: pytest.MonkeyPatch, present: dict[str, str], named: str
) -> None:
    monkeypatch.setenv("WORKSHOP_WORKERS", "2")
    for variable, value in present.items():
        monkeypatch.setenv(variable, value)
    settings, problems = load_settings()
    assert settings is None
    assert [problem.variable for problem in problems] == ["WORKSHOP_WORKERS"]
    assert named in problems[0].reason
