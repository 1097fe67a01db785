"""Scale-out: the app with several workers on real Postgres, Redis and a Chroma server, in front
of two Ollama hosts. A chat, a RAG answer and a rate limit pass through the API; a chat and
the rate limit through the UI.

The data (people, workshop, collection, RAG system) is prepared from this process through the
services, on the same database and Chroma server the app uses; the requests then reach
whichever worker the kernel hands each new connection to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from tests.conftest import reset_settings_caches
from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.collections import CORPUS, build_collection
from tests.support.people import Person, sign_in
from tests.support.playground_tab import PlaygroundTab
from tests.support.run_async import run_coroutine
from tests.support.scale_out import scale_out_app, scale_out_services
from workshop_app.db.engine import session_scope
from workshop_app.db.migrations import upgrade_database
from workshop_app.db.users import Role, User
from workshop_app.services.accounts import auth
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.chat import history as chats
from workshop_app.services.core.jobs import JobStatus
from workshop_app.services.rag.systems import RagSpec, create_rag_system
from workshop_app.services.rag.vector_store import get_vector_store
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop
from workshop_app.settings import get_settings

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis, pytest.mark.chroma_server]

WORKERS = 3
CHAT_MODEL = "llama3.2:1b"
ONLY_ON_SECOND_HOST = "gemma3:1b"
REQUESTS_PER_MINUTE = 3
PASSWORD = "a long enough test password"
QUESTION = "What can a llama carry as a pack animal over mountain trails?"


@dataclass(frozen=True)
class Deployment:
    url: str
    hosts: tuple[FakeOllama, FakeOllama]
    attendee: Person
    limited_in_browser: Person
    attendee_key: str
    limited_key: str
    rag_system_id: int


def _reset_caches() -> None:
    reset_settings_caches()
    get_vector_store.cache_clear()


async def _prepare(hosts: tuple[FakeOllama, FakeOllama], url: str) -> Deployment:
    """People, a rate-limited workshop, a collection and a RAG system, written where the app reads them."""
    instructor = actor_of(make_user(Role.INSTRUCTOR, "instructor"))
    workshop = create_workshop(instructor, WorkshopDraft("Scale-out", requests_per_minute=REQUESTS_PER_MINUTE))
    attendee = make_user(Role.ATTENDEE, "attendee", PASSWORD)
    limited = make_user(Role.ATTENDEE, "limited", workshop_id=workshop.id)
    limited_in_browser = make_user(Role.ATTENDEE, "limited", PASSWORD, workshop_id=workshop.id)
    collection, job = await build_collection(actor_of(attendee), CORPUS)
    assert job.status is JobStatus.DONE, job.error
    system = create_rag_system(actor_of(attendee), RagSpec("Farm helper", CHAT_MODEL, [collection.id], top_k=2))  # type: ignore[list-item]
    _, attendee_key = create_api_key(actor_of(attendee), "scale-out")
    _, limited_key = create_api_key(actor_of(limited), "scale-out")
    people = [Person(user.username, user.display_name, PASSWORD) for user in (attendee, limited_in_browser)]
    return Deployment(url, hosts, *people, attendee_key, limited_key, system.id)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def deployment(artifacts: Path) -> Iterator[Deployment]:
    with scale_out_services() as (settings_env, hosts), pytest.MonkeyPatch.context() as patch:
        httpx.post(
            f"{hosts[1].url}/api/pull", json={"model": ONLY_ON_SECOND_HOST, "stream": False}, timeout=30
        ).raise_for_status()
        for name, value in settings_env.items():
            patch.setenv(name, value)
        _reset_caches()
        upgrade_database(get_settings())
        health = {"WORKSHOP_OLLAMA_HEALTH_INTERVAL": "1"}
        with scale_out_app(settings_env, WORKERS, artifacts / "scale-out-server.log", health) as url:
            yield run_coroutine(_prepare(hosts, url))
    _reset_caches()


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _fresh_connection_post(url: str, key: str, body: dict[str, object]) -> httpx.Response:
    """One request on its own connection, so successive requests may land on different workers."""
    with httpx.Client(timeout=30) as client:
        return client.post(url, json=body, headers=_bearer(key))


def test_the_app_runs_the_configured_workers(deployment: Deployment) -> None:
    port = int(deployment.url.rsplit(":", 1)[1])
    listeners = {
        c.pid for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port and c.status == "LISTEN"
    }
    servers = [p for p in psutil.process_iter(["cmdline"]) if p.pid in listeners]
    assert len(servers) >= WORKERS, f"{len(servers)} processes listen on {port}"


def test_chat_reaches_both_hosts_through_the_gateway(deployment: Deployment) -> None:
    first, second = deployment.hosts
    replies = {}
    for model in (CHAT_MODEL, ONLY_ON_SECOND_HOST):
        response = _fresh_connection_post(
            f"{deployment.url}/ollama/api/chat",
            deployment.attendee_key,
            {"model": model, "messages": [{"role": "user", "content": "hi llamas"}]},
        )
        assert response.status_code == 200, response.text
        lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
        replies[model] = "".join(line["message"]["content"] for line in lines if "message" in line)
        assert lines[-1]["done"] is True
    assert all("Echo: hi llamas" in text for text in replies.values()), replies
    assert second.stats.requests.get("/api/chat", 0) >= 1, "the model only the second host has was served there"


def test_a_rag_answer_cites_sources_from_the_chroma_server(deployment: Deployment) -> None:
    response = _fresh_connection_post(
        f"{deployment.url}/api/v1/rag-systems/{deployment.rag_system_id}/answer",
        deployment.attendee_key,
        {"question": QUESTION},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sources"][0]["title"] == "llamas.md"
    assert 1 in body["cited"]


def test_the_rate_limit_is_shared_by_every_worker(deployment: Deployment) -> None:
    statuses = []
    for n in range(REQUESTS_PER_MINUTE + 1):
        response = _fresh_connection_post(
            f"{deployment.url}/v1/chat/completions",
            deployment.limited_key,
            {"model": CHAT_MODEL, "messages": [{"role": "user", "content": f"q{n}"}]},
        )
        statuses.append(response.status_code)
    assert statuses == [200] * REQUESTS_PER_MINUTE + [429], statuses
    assert int(response.headers["Retry-After"]) >= 1


def _choose_model(page: Page) -> None:
    expect(page.locator("#model-select")).not_to_contain_text("No model available")
    page.locator("#model-select").click()
    page.get_by_role("option", name=CHAT_MODEL).click()
    expect(page.locator("#model-select")).to_contain_text(CHAT_MODEL)


def test_chat_in_the_browser(deployment: Deployment, browser: Browser, artifacts: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, deployment.url, deployment.attendee)
        _choose_model(page)
        page.locator("#message-input").fill("Hello from a scaled-out room")
        page.locator("#message-input").press("Enter")
        expect(page.locator(".message-assistant").last).to_contain_text("Echo: Hello from a scaled-out room")
        page.screenshot(path=artifacts / "scale-out-chat.png", full_page=True)
    finally:
        context.close()


def test_a_reply_in_the_browser_is_stopped_through_the_api_of_any_worker(
    deployment: Deployment, browser: Browser
) -> None:
    """The tab's reply streams in the worker holding its websocket; the stop lands on whichever worker the
    kernel hands the API request to (another one, two times in three) and is published to the writer."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    for host in deployment.hosts:
        host.config.token_delay, host.config.reply_tokens = 0.15, 200
    try:
        sign_in(page, deployment.url, deployment.attendee)
        _choose_model(page)
        page.locator("#message-input").fill("Tell me a long story about alpacas")
        page.locator("#message-input").press("Enter")
        writing = page.locator(".message-assistant").last
        expect(writing).to_contain_text("alpacas")
        with session_scope() as session:
            owner = session.exec(select(User).where(User.username == deployment.attendee.username)).one()
        chat_id = chats.list_chats(actor_of(owner))[0].id
        stopped = _fresh_connection_post(f"{deployment.url}/api/v1/chats/{chat_id}/stop", deployment.attendee_key, {})
        assert stopped.status_code == 200, stopped.text
        assert stopped.json()["reply"]["status"] == "stopped"
        assert stopped.json()["reply"]["content"].startswith("Echo: Tell me a long story about alpacas")
        expect(writing.get_by_text("stopped")).to_be_visible()
        expect(page.locator("#send-button")).to_be_visible()
    finally:
        for host in deployment.hosts:
            host.config.token_delay, host.config.reply_tokens = 0.0, 12
        context.close()


def test_a_message_sent_right_after_typing_goes_out_as_typed(deployment: Deployment) -> None:
    """The page sends the draft's last keystroke and Send back to back; with the tab's state in
    Redis, Send must still see the whole draft (Reflex starts a background handler at once)."""
    _, session_token = auth.sign_in(deployment.attendee.username, deployment.attendee.password)
    typed = [f"Typed and sent at once {n}" for n in range(5)]

    async def replies() -> list[str]:
        tab = PlaygroundTab(deployment.url, session_token, timeout_s=30)
        try:
            await tab.open(CHAT_MODEL)
            answers = []
            for text in typed:
                await tab.chat(CHAT_MODEL, text)  # set_model, set_draft and send without waiting in between
                answers.append(tab.messages[-1]["content"])
            return answers
        finally:
            await tab.close()

    for text, reply in zip(typed, run_coroutine(replies()), strict=True):
        assert reply.startswith(f"Echo: {text}")


def test_the_rate_limit_in_the_browser_says_how_long_to_wait(
    deployment: Deployment, browser: Browser, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, deployment.url, deployment.limited_in_browser)
        _choose_model(page)
        for n in range(REQUESTS_PER_MINUTE):
            page.locator("#message-input").fill(f"Question {n}")
            page.locator("#message-input").press("Enter")
            expect(page.locator(".message-assistant").last).to_contain_text(f"Echo: Question {n}")
            expect(page.locator("#send-button")).to_be_visible()  # the reply is finished
        page.locator("#message-input").fill("One too many")
        page.locator("#message-input").press("Enter")
        toast = page.locator("[data-sonner-toast]").filter(has_text="Too many requests")
        expect(toast).to_contain_text(f"the limit is {REQUESTS_PER_MINUTE} per minute")
        expect(toast).to_contain_text("Wait")
        page.screenshot(path=artifacts / "scale-out-rate-limited.png", full_page=True)
    finally:
        context.close()
