"""`workshop smoke --url` against a served API and the Ollama-speaking fake: one line per check, exit 1 on failure."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import uvicorn
from click.testing import CliRunner

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import make_user
from tests.support.ports import free_port, wait_for_port
from workshop_app.api import build_api
from workshop_app.cli import main
from workshop_app.db.engine import session_scope
from workshop_app.db.users import Role
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.accounts.auth import actor_for_user


@pytest.fixture
def served(migrated_database: str, fake_ollama: FakeOllama) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(build_api(), host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port, 10)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def api_key(migrated_database: str) -> str:
    user = make_user(Role.ATTENDEE, "smoker")
    with session_scope() as session:
        actor = actor_for_user(session, user)
    return create_api_key(actor, "smoke test")[1]


def test_a_healthy_deployment_passes_every_check(served: str, api_key: str, fake_ollama: FakeOllama) -> None:
    result = CliRunner().invoke(main, ["smoke", "--url", served, "--api-key", api_key])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 0, result.output
    assert [line.split()[:2] for line in lines] == [
        ["PASS", "health"],
        ["PASS", "metrics"],
        ["PASS", "models"],
        ["PASS", "chat"],
    ]
    assert "replied in" in lines[3]
    assert fake_ollama.stats.requests.get("/api/chat") == 1  # the chat really went through to Ollama


def test_without_a_key_the_models_check_says_what_to_do(served: str) -> None:
    result = CliRunner().invoke(main, ["smoke", "--url", served])
    assert result.exit_code == 1
    assert "FAIL  models   the API needs a key: pass --api-key" in result.output


def test_ollama_down_fails_health_and_chat(served: str, api_key: str, fake_ollama: FakeOllama) -> None:
    fake_ollama.refuse_connections()
    result = CliRunner().invoke(main, ["smoke", "--url", served, "--api-key", api_key])
    assert result.exit_code == 1
    failed = {line.split()[1] for line in result.output.splitlines() if line.startswith("FAIL")}
    assert {"health", "models", "chat"} <= failed
    assert "degraded" in result.output


def test_nothing_listening_fails_cleanly() -> None:
    result = CliRunner().invoke(main, ["smoke", "--url", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1
    assert all(line.startswith("FAIL") for line in result.output.strip().splitlines())
    assert "ConnectError" in result.output
