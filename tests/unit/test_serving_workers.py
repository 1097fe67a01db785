"""The production server starts its workers the way WORKSHOP_WORKERS asks, whatever else the environment says."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop_app.serving import backend_start_method
from workshop_app.settings import Settings


def test_one_worker_is_spawned_even_when_granians_own_variable_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRANIAN_WORKERS", "4")
    assert backend_start_method(Settings(data_dir=tmp_path, workers=1)) == "spawn"


def test_several_workers_fork_so_they_share_the_preloaded_app(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, workers=3, redis_url="redis://localhost:6379", chroma_url="http://localhost:8000"
    )
    assert backend_start_method(settings) is None
