"""Comparisons, RAG answers, tool runs and arena rounds stopped by their owner from elsewhere: another tab
(the service) or the REST API, as chat replies are (tests/integration/test_running_replies.py).

Each stream here is read in a task of this test, as the tab that started it reads it; the
stop comes without any handle on that task. Across workers on Redis:
tests/integration/test_replies_stopped_across_workers.py.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import reset_settings_caches
from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user, unique_name
from tests.support.collections import CORPUS, build_collection
from tests.support.ports import free_port
from tests.support.running_streams import MODELS, attendee, comparison, comparison_served, reading
from tests.support.writing_replies import key_of, local_rest, slow_down
from workshop_app.db.users import Role
from workshop_app.services.arena import rounds
from workshop_app.services.chat.compare import COMPARISON
from workshop_app.services.core.errors import NotFound
from workshop_app.services.core.running_streams import (
    stop_stream,
    stop_streams,
    streams_running,
    until_streams_ended,
)
from workshop_app.services.rag import history as rag_history
from workshop_app.services.rag.history import RAG_ANSWER
from workshop_app.services.rag.systems import RagSpec, create_rag_system, prepare
from workshop_app.services.tools.forms import ToolForm, save_form
from workshop_app.services.tools.playground import TOOL_RUN, ask_with_tools
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop
from workshop_app.services.workshops.policy import Actor


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Requests, answers and rounds live in the session database."""


@pytest.fixture
def slow(fake_ollama: FakeOllama) -> FakeOllama:
    slow_down(fake_ollama)
    return fake_ollama


async def a_rag_answer(owner: Actor) -> tuple[int, object]:
    """A RAG system of the owner's and its answer to a question, as the RAG page asks it."""
    collection, _job = await build_collection(owner, CORPUS)
    system = create_rag_system(owner, RagSpec("Farm helper", MODELS[0], [collection.id], top_k=3))  # type: ignore[list-item]
    prepared, inspection = await prepare(owner, system.id or 0, "Tell me everything about llamas")
    return system.id or 0, rag_history.answer_and_keep(owner, prepared, inspection)


async def test_the_owner_stops_a_comparison_from_another_tab_and_its_slots_are_given_back(slow: FakeOllama) -> None:
    owner, other = attendee("comparer"), attendee("neighbour")
    async with reading(comparison(owner)) as tab:
        [running] = await streams_running(owner)
        assert (running.kind, running.subject) == (COMPARISON.name, ", ".join(MODELS))
        assert await streams_running(other) == []
        with pytest.raises(NotFound):
            await stop_stream(other, running.id)
        await asyncio.sleep(0.3)
        assert not tab.task.done(), "another person's stop leaves it streaming"  # type: ignore[union-attr]
        await asyncio.wait_for(stop_stream(owner, running.id), 3)
        await tab.ended()
    assert len(tab.text) < 100, "stopped long before its end"
    assert await streams_running(owner) == []
    await asyncio.sleep(0.2)
    assert slow.stats.active_streams == 0 and slow.stats.cancelled_streams >= 1, "every request was closed"
    slow.config.token_delay, slow.config.reply_tokens = 0.0, 5
    await asyncio.wait_for(comparison_served(owner), 5)


async def test_a_second_tab_stops_the_owners_comparisons_and_hears_when_they_ended(slow: FakeOllama) -> None:
    owner = attendee("comparer")
    with pytest.raises(NotFound):
        await stop_streams(owner, COMPARISON)  # nothing running
    async with reading(comparison(owner)) as tab:
        follower = asyncio.create_task(until_streams_ended(owner, COMPARISON))
        await asyncio.sleep(0.3)
        assert not follower.done()
        await asyncio.wait_for(stop_streams(owner, COMPARISON), 3)
        await asyncio.wait_for(follower, 3)
        await tab.ended()


async def test_the_rest_api_lists_and_stops_a_rag_answer_kept_as_stopped(slow: FakeOllama) -> None:
    owner, stranger = attendee("asker"), attendee("stranger")
    system_id, answer = await a_rag_answer(owner)
    async with reading(answer) as tab, local_rest() as client:  # type: ignore[arg-type]
        listed = (await client.get("/api/v1/streams", headers=key_of(owner))).json()
        assert [(s["kind"], s["subject"], s["status"]) for s in listed] == [(RAG_ANSWER.name, "Farm helper", "running")]
        assert (await client.get("/api/v1/streams", headers=key_of(stranger))).json() == []
        refused = await client.post(f"/api/v1/streams/{listed[0]['id']}/stop", headers=key_of(stranger))
        assert (refused.status_code, refused.json()["error"]) == (404, "NotFound")
        assert not tab.task.done()  # type: ignore[union-attr]
        stopped = await client.post(f"/api/v1/streams/{listed[0]['id']}/stop", headers=key_of(owner))
        assert (stopped.status_code, stopped.json()["status"]) == (200, "cancelled"), stopped.text
        [kept] = rag_history.history(owner, system_id)
        assert kept.status == "stopped", "kept before the stop answered"
        await tab.ended()
        again = await client.post(f"/api/v1/streams/{listed[0]['id']}/stop", headers=key_of(owner))
        assert again.status_code == 404, "a stopped stream no longer runs"
        unknown = await client.post("/api/v1/streams/nothing-like-it/stop", headers=key_of(owner))
        assert unknown.status_code == 404
    assert kept.answer == tab.text and len(kept.answer) < 300


async def test_an_arena_round_is_stoppable_without_naming_its_models(slow: FakeOllama) -> None:
    instructor = actor_of(make_user(Role.INSTRUCTOR, "arena-teacher"))
    workshop = create_workshop(instructor, WorkshopDraft("Arena", allowed_models=tuple(MODELS)))
    judge = actor_of(make_user(Role.ATTENDEE, "judge", workshop_id=workshop.id))
    rounds.open_arena(instructor, workshop.id or 0, MODELS)
    started = rounds.start_round(judge, workshop.id or 0, "Tell me a long story")
    async with reading(rounds.play_round(judge, started.id)) as tab, local_rest() as client:
        [listed] = (await client.get("/api/v1/streams", headers=key_of(judge))).json()
        assert (listed["kind"], listed["subject"]) == ("arena-round", str(started.id))
        assert not any(model in str(listed) for model in MODELS), "the vote still decides who sees the names"
        assert (await client.post(f"/api/v1/streams/{listed['id']}/stop", headers=key_of(judge))).status_code == 200
        await tab.ended()
    assert await streams_running(judge) == []


async def test_a_tool_playground_run_is_stopped_from_another_tab(slow: FakeOllama) -> None:
    owner = attendee("tinkerer")
    name = unique_name("tool").replace("-", "_")
    form = ToolForm(name=name, description="Arithmetic.", kind="builtin", builtin="calculator")
    calculator = save_form(owner, None, form)
    run = ask_with_tools(owner, MODELS[1], [calculator.id or 0], [], "Tell me a long story")
    async with reading(run) as tab:
        [running] = await streams_running(owner)
        assert (running.kind, running.subject) == (TOOL_RUN.name, MODELS[1])
        await asyncio.wait_for(stop_stream(owner, running.id), 3)
        await tab.ended()
    assert 0 < len(tab.text) < 100, "stopped long before its end"
    await asyncio.sleep(0.2)
    assert slow.stats.active_streams == 0 and slow.stats.cancelled_streams == 1, "the request was closed"


async def test_listing_or_stopping_while_redis_is_down_is_a_clear_503(
    fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = attendee("comparer")
    monkeypatch.setenv("WORKSHOP_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    reset_settings_caches()
    try:
        async with local_rest() as client:
            listed = await client.get("/api/v1/streams", headers=key_of(owner))
            stopped = await client.post("/api/v1/streams/abc/stop", headers=key_of(owner))
    finally:
        monkeypatch.delenv("WORKSHOP_REDIS_URL")
        reset_settings_caches()
    assert listed.status_code == 503 and "Redis" in listed.json()["message"]
    assert stopped.status_code == 503
