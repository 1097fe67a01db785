"""RAG questions and answers are kept per person and system, with sources and inspector data, however they end."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.collections import CORPUS, build_collection
from workshop_app.db.ownership import Visibility
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden, NotFound
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.rag import history as rag_history
from workshop_app.services.rag.systems import RagSpec, create_rag_system, delete_rag_system, prepare
from workshop_app.services.workshops.policy import Actor

CHAT_MODEL = "llama3.2:1b"


@pytest.fixture
def actor(fake_ollama: FakeOllama, migrated_database: str) -> Actor:
    return actor_of(make_user(Role.ATTENDEE, "asker"))


async def a_system(actor: Actor, visibility: str = Visibility.PRIVATE) -> int:
    collection, _job = await build_collection(actor, CORPUS, visibility=visibility)
    spec = RagSpec("Farm helper", CHAT_MODEL, [collection.id], top_k=3, visibility=visibility)  # type: ignore[list-item]
    return create_rag_system(actor, spec).id  # type: ignore[return-value]


async def ask(actor: Actor, system_id: int, question: str) -> str:
    system, inspection = await prepare(actor, system_id, question)
    return "".join([event.content async for event in rag_history.answer_and_keep(actor, system, inspection)])


async def test_an_answer_comes_back_after_a_reload_with_its_sources_and_inspector_data(actor: Actor) -> None:
    system_id = await a_system(actor)
    answer = await ask(actor, system_id, "What can a llama carry?")
    [kept] = rag_history.history(actor, system_id)
    assert (kept.question, kept.answer, kept.status) == ("What can a llama carry?", answer, "done")
    assert kept.inspection.sources[0].number == 1 and kept.inspection.sources[0].hit.title == "llamas.md"
    assert len(kept.inspection.retrieved) == 3
    assert kept.inspection.prompt.endswith("Question: What can a llama carry?\nAnswer:")
    assert kept.inspection.budget.num_ctx == 4096
    assert kept.inspection.reported_prompt_tokens and kept.inspection.reported_prompt_tokens > 0


async def test_a_stopped_answer_is_kept_as_stopped_with_its_text_so_far(actor: Actor, fake_ollama: FakeOllama) -> None:
    fake_ollama.config.token_delay = 0.05
    fake_ollama.config.reply_tokens = 200
    system_id = await a_system(actor)
    system, inspection = await prepare(actor, system_id, "Tell me everything about llamas")
    stop, pieces = asyncio.Event(), []
    async for event in until_stopped(rag_history.answer_and_keep(actor, system, inspection), stop):
        pieces.append(event.content)
        if len(pieces) == 3:
            stop.set()
    [kept] = rag_history.history(actor, system_id)
    assert kept.status == "stopped" and kept.answer and kept.answer == "".join(pieces)[: len(kept.answer)]


async def test_the_history_is_each_persons_own_and_goes_with_the_system(actor: Actor) -> None:
    system_id = await a_system(actor, Visibility.PUBLIC)
    other = actor_of(
        make_user(Role.ATTENDEE, "neighbour")
    )  # may ask the shared system, and still not read another's history
    await ask(actor, system_id, "Mine?")
    await ask(other, system_id, "Theirs?")
    assert [k.question for k in rag_history.history(actor, system_id)] == ["Mine?"]
    assert [k.question for k in rag_history.history(other, system_id)] == ["Theirs?"]
    rag_history.clear_history(other, system_id)
    assert rag_history.history(other, system_id) == [] and len(rag_history.history(actor, system_id)) == 1

    delete_rag_system(actor, system_id)
    with pytest.raises(NotFound):
        rag_history.history(actor, system_id)


async def test_nobody_reads_the_history_of_a_system_they_may_not_read(actor: Actor) -> None:
    collection, _job = await build_collection(actor, CORPUS)
    private = create_rag_system(actor, RagSpec("Mine", CHAT_MODEL, [collection.id]))  # type: ignore[list-item]
    stranger = actor_of(make_user(Role.ATTENDEE, "stranger"))
    with pytest.raises(Forbidden):
        rag_history.history(stranger, private.id)  # type: ignore[arg-type]
