"""GET /metrics after real traffic: REST requests and a chat against the fake, parsed as Prometheus text."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import bearer
from workshop_app.api import build_api
from workshop_app.db.users import Role
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.operations.metrics import (
    count_embeddings,
    count_rate_limit_hit,
    set_active_users,
    set_queue_length,
)

MODEL = "qwen2.5:0.5b"


@pytest.fixture
def client(migrated_database: str) -> TestClient:
    return TestClient(build_api(), headers=bearer(Role.ATTENDEE))


def scrape(client: TestClient) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_http_and_model_traffic(client: TestClient, fake_ollama: FakeOllama) -> None:
    fake_ollama.config.reply_tokens = 7
    before = scrape(client)

    assert client.get("/api/v1/models").status_code == 200
    assert client.get("/api/v1/models").status_code == 200
    assert client.get("/api/v1/nothing-here").status_code == 404
    chunks = [chunk async for chunk in stream_reply(MODEL, [{"role": "user", "content": "count me"}])]
    generated = chunks[-1].stats.completion_tokens

    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("workshop_http_requests_total", route="/api/v1/models", method="GET", status="200") == 2
    assert delta("workshop_http_requests_total", route="other", method="GET", status="404") == 1
    assert delta("workshop_http_request_duration_seconds_count", route="/api/v1/models", method="GET") == 2
    host = fake_ollama.url
    assert delta("workshop_model_requests_total", model=MODEL, host=host, kind="chat", outcome="success") == 1
    assert delta("workshop_model_request_duration_seconds_count", model=MODEL, host=host, kind="chat") == 1
    assert delta("workshop_model_time_to_first_token_seconds_count", model=MODEL, host=host) == 1
    assert delta("workshop_tokens_generated_total", model=MODEL, host=host) == generated == 7


def test_hooks_for_other_features_show_up(client: TestClient) -> None:
    set_queue_length("http://gpu-1:11434", 3)
    set_active_users(12)
    before = scrape(client)
    count_rate_limit_hit("requests_per_minute")
    count_embeddings("nomic-embed-text", 64)
    after = scrape(client)
    assert value(after, "workshop_queue_length", host="http://gpu-1:11434") == 3
    assert value(after, "workshop_active_users") == 12
    assert (
        value(after, "workshop_rate_limit_hits_total", limit="requests_per_minute")
        - value(before, "workshop_rate_limit_hits_total", limit="requests_per_minute")
        == 1
    )
    assert (
        value(after, "workshop_embedding_items_total", model="nomic-embed-text")
        - value(before, "workshop_embedding_items_total", model="nomic-embed-text")
        == 64
    )
