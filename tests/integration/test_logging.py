"""JSON logs: one request id from the REST request (or UI event) down to the Ollama call; no secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from reflex_base.event.context import EventContext

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import bearer
from workshop_app.api import build_api
from workshop_app.db.users import Role
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.operations.logs import configure_logging, get_logger
from workshop_app.state.log_context import install_ui_event_ids


@pytest.fixture
def captured(migrated_database: str) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    yield stream
    configure_logging("INFO")


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_rest_request_id_reaches_the_ollama_call(captured: io.StringIO, fake_ollama: FakeOllama) -> None:
    client = TestClient(build_api())
    configure_logging("INFO", captured)  # build_api configures logging too; keep capturing
    response = client.get("/api/v1/models", headers={"X-Request-ID": "req-42", **bearer(Role.ATTENDEE)})
    assert response.headers["x-request-id"] == "req-42"

    tagged = [line for line in lines(captured) if line.get("request_id") == "req-42"]
    assert any(line["logger"] == "httpx" and f"{fake_ollama.url}/api/tags" in line["event"] for line in tagged)
    assert any(line["event"] == "http.request" and line["route"] == "/api/v1/models" for line in tagged)


def test_an_unsafe_request_id_is_replaced(captured: io.StringIO, fake_ollama: FakeOllama) -> None:
    client = TestClient(build_api())
    response = client.get("/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert response.headers["x-request-id"] != "bad id\nwith newline"
    assert len(response.headers["x-request-id"]) == 32


async def test_a_ui_event_id_follows_a_chat_to_the_model_request(
    captured: io.StringIO, fake_ollama: FakeOllama
) -> None:
    install_ui_event_ids()
    context = EventContext(token="browser-tab", state_manager=None, enqueue_impl=None)  # type: ignore[arg-type]
    token = EventContext.set(context)
    try:
        async for _ in stream_reply("qwen2.5:0.5b", [{"role": "user", "content": "hi"}]):
            pass
    finally:
        EventContext.reset(token)
    expected = f"ui-{context.txid}"
    tagged = [line for line in lines(captured) if line.get("request_id") == expected]
    streams = "workshop_app.services.ollama.streams"  # streamed replies are read over their own connections
    assert any(line["logger"] == streams and "/api/chat" in line["event"] for line in tagged)
    assert any(line["event"] == "model_request.finished" and line["completion_tokens"] > 0 for line in tagged)


def test_secrets_never_reach_the_output(captured: io.StringIO) -> None:
    get_logger("test").info(
        "login attempt",
        password="hunter2-pw",
        api_key="wk_live_abcdef123456",
        headers={"Authorization": "Bearer tok-SECRET-999", "accept": "json"},
        database_url="postgresql://workshop:pg-secret-pass@db/workshop",
        note="retrying with token=zzz-token-777 after Bearer qqq-bearer-888",
        completion_tokens=12,
    )
    logging.getLogger("sqlalchemy.engine").warning("connect failed for postgresql://app:std-lib-pass@db:5432/x")
    output = captured.getvalue()
    for secret in (
        "hunter2-pw",
        "wk_live_abcdef123456",
        "tok-SECRET-999",
        "pg-secret-pass",
        "zzz-token-777",
        "qqq-bearer-888",
        "std-lib-pass",
    ):
        assert secret not in output
    first = lines(captured)[0]
    assert first["password"] == "***"
    assert first["headers"] == {"Authorization": "***", "accept": "json"}
    assert first["database_url"] == "postgresql://workshop:***@db/workshop"
    assert first["completion_tokens"] == 12  # counts named like secrets stay readable
