"""Two app processes on one Redis, addressed one by one through the REST API: a pull started on one
is followed and stopped on the other, a killed worker's pull reads failed once its lease ran out,
/metrics scraped from either worker reports the same totals, and the dashboard served by one worker
counts the refusals the other made."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, bearer, make_user
from tests.support.api_workers import ApiWorker, api_worker, api_workers
from tests.support.limit_counters import redis_url  # noqa: F401  (fixture)
from workshop_app.db.users import Role
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.core.redis_jobs import STOPPED
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop

pytestmark = pytest.mark.redis

LEASE_S = 2.0
CHAT_MODEL = "qwen2.5:0.5b"


@pytest.fixture(scope="module")
def environment(redis_url: str, fake_server: FakeOllama, migrated_database: str) -> dict[str, str]:
    redis.Redis.from_url(redis_url).flushdb()
    return {
        "WORKSHOP_REDIS_URL": redis_url,
        "WORKSHOP_OLLAMA_URLS": fake_server.url,
        "WORKSHOP_ENGINE": "off",
        "WORKSHOP_JOB_LEASE_S": str(LEASE_S),
    }


@pytest.fixture(scope="module")
def workers(environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ApiWorker]]:
    with api_workers(2, environment, tmp_path_factory.mktemp("workers")) as started:
        yield started


def pulls(worker: ApiWorker, headers: dict[str, str], model: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{worker.url}/api/v1/models/pulls", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return [pull for pull in response.json() if pull["model"] == model]


def start_pull(worker: ApiWorker, headers: dict[str, str], model: str, host: str) -> dict[str, Any]:
    """Start a pull and leave its progress stream after the first line (the pull goes on)."""
    body = {"name": model, "host": host}
    with httpx.stream("POST", f"{worker.url}/api/v1/models/pull", json=body, headers=headers, timeout=10) as reply:
        assert reply.status_code == 200
        return json.loads(next(reply.iter_lines()))


def eventually(probe: Callable[[], Any], within_s: float = 10) -> Any:
    deadline = time.monotonic() + within_s
    while (found := probe()) is None:
        assert time.monotonic() < deadline, "not seen in time"
        time.sleep(0.1)
    return found


def test_a_pull_started_on_one_worker_is_followed_and_cancelled_on_the_other(
    workers: list[ApiWorker], fake_ollama: FakeOllama
) -> None:
    fake_ollama.config.pull_line_delay = 0.3
    first, second, instructor = *workers, bearer(Role.INSTRUCTOR)
    started = start_pull(first, instructor, "gemma3:1b", fake_ollama.url)

    def progressing() -> dict[str, Any] | None:
        return next((p for p in pulls(second, instructor, "gemma3:1b") if p["completed"] > 0), None)

    seen = progressing() or eventually(progressing)
    assert (seen["id"], seen["state"]) == (started["id"], "running")
    stopped = httpx.delete(
        f"{second.url}/api/v1/models/pull/gemma3:1b", params={"host": fake_ollama.url}, headers=instructor, timeout=10
    )
    assert stopped.status_code == 200 and stopped.json()["state"] == "cancelled", stopped.text
    assert [pull["state"] for pull in pulls(first, instructor, "gemma3:1b")] == ["cancelled"]
    installed = [model["name"] for model in httpx.get(f"{fake_ollama.url}/api/tags", timeout=10).json()["models"]]
    assert "gemma3:1b" not in installed, "the download was stopped before it finished"


def test_the_pull_of_a_killed_worker_reads_failed_once_its_lease_ran_out(
    workers: list[ApiWorker], environment: dict[str, str], fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.config.pull_line_delay = 0.5
    instructor = bearer(Role.INSTRUCTOR)
    with api_worker(environment, tmp_path / "doomed.log") as doomed:
        started = start_pull(doomed, instructor, "all-minilm", fake_ollama.url)
        eventually(lambda: next((p for p in pulls(workers[0], instructor, "all-minilm") if p["completed"]), None))
        doomed.kill()
    killed_at = time.monotonic()
    failed = eventually(lambda: next((p for p in pulls(workers[0], instructor, "all-minilm") if p["error"]), None))
    assert (failed["id"], failed["state"], failed["error"]) == (started["id"], "failed", STOPPED)
    assert time.monotonic() - killed_at <= LEASE_S + 1.5


def test_metrics_scraped_from_either_worker_report_the_same_totals(
    workers: list[ApiWorker], fake_ollama: FakeOllama
) -> None:
    attendee = bearer(Role.ATTENDEE)
    before = [chats_counted(worker) for worker in workers]
    for n in range(4):
        body = {"model": CHAT_MODEL, "messages": [{"role": "user", "content": f"hello {n}"}], "stream": False}
        reply = httpx.post(f"{workers[n % 2].url}/ollama/api/chat", json=body, headers=attendee, timeout=30)
        assert reply.status_code == 200, reply.text

    def agreed() -> list[tuple[float, float]] | None:
        scraped = [chats_counted(worker) for worker in workers]
        return scraped if scraped[0] == scraped[1] and scraped[0][0] == before[0][0] + 4 else None

    (models, http), _ = eventually(agreed, within_s=5)
    assert (models, http) == (before[0][0] + 4, before[0][1] + 4)


def test_the_dashboard_served_by_one_worker_counts_the_refusals_another_made(
    workers: list[ApiWorker], fake_ollama: FakeOllama
) -> None:
    instructor = make_user(Role.INSTRUCTOR, "teacher")
    workshop = create_workshop(actor_of(instructor), WorkshopDraft("One a minute", requests_per_minute=1))
    limited = make_user(Role.ATTENDEE, "limited", workshop_id=workshop.id)
    _, key = create_api_key(actor_of(limited), "tests")
    body = {"model": CHAT_MODEL, "messages": [{"role": "user", "content": "hello"}], "stream": False}
    replies = [
        httpx.post(f"{workers[0].url}/ollama/api/chat", json=body, headers={"Authorization": f"Bearer {key}"})
        for _ in range(2)
    ]
    assert [reply.status_code for reply in replies] == [200, 429]

    _, teacher_key = create_api_key(actor_of(instructor), "tests")
    board = httpx.get(
        f"{workers[1].url}/api/v1/workshops/{workshop.id}/dashboard",
        headers={"Authorization": f"Bearer {teacher_key}"},
        timeout=10,
    )
    assert board.status_code == 200, board.text
    rows = [(row["user_id"], row["requests"], row["rate_limited"]) for row in board.json()["attendees"]]
    assert rows == [(limited.id, 1, 1)]
    hosts = board.json()["hosts"]
    assert [(host["url"], host["in_flight"], host["waiting"]) for host in hosts] == [(fake_ollama.url, 0, 0)]
    refused = httpx.get(
        f"{workers[1].url}/api/v1/workshops/{workshop.id}/dashboard", headers={"Authorization": f"Bearer {key}"}
    )
    assert refused.status_code == 403, "an attendee does not see the room's figures"


def chats_counted(worker: ApiWorker) -> tuple[float, float]:
    """Model requests to the chat model and HTTP requests to the gateway's chat route, as this worker reports them."""
    text = httpx.get(f"{worker.url}/metrics", timeout=10).text
    samples = [sample for family in text_string_to_metric_families(text) for sample in family.samples]
    models = sum(
        s.value for s in samples if s.name == "workshop_model_requests_total" and s.labels["model"] == CHAT_MODEL
    )
    http = sum(
        s.value for s in samples if s.name == "workshop_http_requests_total" and s.labels["route"] == "/ollama/api/chat"
    )
    return models, http
