"""`workshop run` on a machine where no Ollama answers: the app comes up served by the engine it started."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.app_server import app_server
from tests.support.run_like import dead_url

pytestmark = pytest.mark.real_model


def test_workshop_run_without_ollama_serves_the_built_in_engine(session_dir: Path, artifacts: Path) -> None:
    nobody = dead_url()
    with app_server(
        session_dir / "app-data-auto", nobody, artifacts / "app-server-auto.log", {"WORKSHOP_ENGINE": "auto"}
    ) as url:
        report = httpx.get(f"{url}/health", timeout=30).json()
        (host,) = report["ollama"]
        assert host["name"] != nobody and host["name"].startswith("http://127.0.0.1:") and host["ok"], report
        assert report["status"] == "ok"
        assert httpx.get(f"{host['name']}/api/version", timeout=10).json()["engine"] == "workshop-builtin"
    log = (artifacts / "app-server-auto.log").read_text()
    assert f"Starting the built-in model engine (no Ollama answered at {nobody})" in log
