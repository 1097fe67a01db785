"""RAG systems: retrieval into a numbered prompt within num_ctx, streaming, citations, the inspector."""

from __future__ import annotations

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.collections import CORPUS, build_collection
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden, InvalidInput
from workshop_app.services.rag.chunking import ChunkSettings
from workshop_app.services.rag.systems import (
    DEFAULT_TEMPLATE,
    Fate,
    RagSpec,
    cited_numbers,
    create_rag_system,
    prepare,
    render,
    stream_answer,
)
from workshop_app.services.workshops.policy import Actor

CHAT_MODEL = "llama3.2:1b"


@pytest.fixture
def actor(fake_ollama: FakeOllama, migrated_database: str) -> Actor:
    return actor_of(make_user(Role.ATTENDEE, "asker"))


async def corpus_system(actor: Actor, **options: object) -> int:
    collection, _job = await build_collection(actor, CORPUS)
    spec = RagSpec(name="Farm helper", chat_model=CHAT_MODEL, collection_ids=[collection.id], **options)  # type: ignore[arg-type, list-item]
    return create_rag_system(actor, spec).id  # type: ignore[return-value]


async def test_the_prompt_holds_numbered_sources_best_first_and_the_answer_cites_them(actor: Actor) -> None:
    system_id = await corpus_system(actor, top_k=3)
    system, inspection = await prepare(actor, system_id, "What can a llama carry as a pack animal?")
    first = inspection.sources[0]
    assert (first.number, first.hit.title, first.fate) == (1, "llamas.md", Fate.USED)
    assert [item.hit.score for item in inspection.retrieved] == sorted(
        (i.hit.score for i in inspection.retrieved), reverse=True
    )
    assert len(inspection.retrieved) == 3
    assert "[1] llamas.md (chunk 1)\n# Llamas" in inspection.prompt
    assert inspection.prompt.endswith("Question: What can a llama carry as a pack animal?\nAnswer:")
    assert inspection.warnings == []
    assert (
        inspection.budget.num_ctx == 4096
        and 0 < inspection.budget.prompt_tokens < inspection.budget.available_for_context
    )

    answer = "".join([chunk.content async for chunk in stream_answer(actor, system, inspection)])
    assert "[1] llamas.md" in answer  # the fake echoes the prompt it was sent
    assert cited_numbers(answer + " [9]", inspection) == [1, 2, 3]
    assert inspection.reported_prompt_tokens is not None and inspection.reported_prompt_tokens > 0


async def test_chunks_under_the_score_threshold_stay_out_of_the_prompt(actor: Actor) -> None:
    system_id = await corpus_system(actor, top_k=4, score_threshold=0.99)
    _system, inspection = await prepare(actor, system_id, "Why do volcanoes erupt?")
    assert {item.fate for item in inspection.retrieved} == {Fate.BELOW_THRESHOLD}
    assert inspection.sources == []
    assert "Sources:\n\n\nQuestion" in inspection.prompt
    assert any("without retrieved context" in warning for warning in inspection.warnings)


async def test_a_small_context_window_cuts_sources_and_says_so(actor: Actor) -> None:
    # Four equal chunks of about 130 estimated tokens each: one fits the ~190 tokens left for sources.
    long_doc = {"trails.txt": ("Llamas walk the mountain trails every day. " * 52).encode()}
    collection, _job = await build_collection(actor, long_doc, chunks=ChunkSettings(600, 0))
    system = create_rag_system(actor, RagSpec("Tight", CHAT_MODEL, [collection.id], top_k=4, num_ctx=512))  # type: ignore[list-item]
    _system, inspection = await prepare(actor, system.id, "Where do llamas walk every day?")  # type: ignore[arg-type]
    budget = inspection.budget
    assert len(inspection.retrieved) == 4 and len(inspection.sources) == 1
    assert budget.chunks_cut == 3 and budget.context_tokens <= budget.available_for_context
    assert budget.reserved_for_answer == 256
    assert [item.fate for item in inspection.retrieved].count(Fate.OVER_BUDGET) == budget.chunks_cut
    assert any(w.startswith("Context was cut") and "num_ctx=512" in w for w in inspection.warnings)


def test_the_template_needs_both_placeholders_and_is_filled_in_one_pass(actor: Actor) -> None:
    with pytest.raises(InvalidInput, match=r"needs \{\{context\}\}"):
        create_rag_system(actor, RagSpec("Bad", CHAT_MODEL, [1], prompt_template="Question: {{question}}"))
    filled = render(DEFAULT_TEMPLATE, context="a source mentioning {{question}}", question="what is {{context}}?")
    assert "a source mentioning {{question}}" in filled and "Question: what is {{context}}?" in filled


async def test_private_systems_and_collections_stay_private(actor: Actor) -> None:
    system_id = await corpus_system(actor)
    stranger = actor_of(make_user(Role.ATTENDEE, "stranger"))
    with pytest.raises(Forbidden):
        await prepare(stranger, system_id, "What can a llama carry?")
    with pytest.raises(Forbidden):
        create_rag_system(stranger, RagSpec("Borrowed", CHAT_MODEL, [system_id]))
