"""RAG on real embeddings: the question's meaning (not its words) finds the right chunk, and the
small chat model answers over numbered sources."""

from __future__ import annotations

import pytest

from tests.real_model.conftest import CHAT_MODEL, EMBED_MODEL
from tests.support.accounts import actor_of, make_user
from tests.support.collections import build_collection
from workshop_app.db.users import Role
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.rag.systems import RagSpec, create_rag_system, prepare, stream_answer

pytestmark = pytest.mark.real_model

CORPUS = {
    "bees.txt": b"Honeybees collect nectar from flowers and turn it into honey inside the hive.",
    "railway.txt": b"The express railway links the two cities; passengers board at the central station every hour.",
    "pasta.txt": b"Boil the pasta in salted water for ten minutes, then drain it and add the tomato sauce.",
    "glaciers.txt": b"Glaciers are slow rivers of ice that carve valleys as they creep down the mountains.",
}

# Each question shares no content word with its document: only the meaning leads there.
QUESTIONS = {
    "Which insects make something sweet from blossoms?": "bees.txt",
    "How do I cook spaghetti?": "pasta.txt",
    "Can I take a train between the towns?": "railway.txt",
    "What shapes the land beneath frozen flows?": "glaciers.txt",
}


async def test_the_meaning_of_the_question_retrieves_the_right_chunk_and_the_model_answers(real_engine: str) -> None:
    actor = actor_of(make_user(Role.ATTENDEE, "rag"))
    collection, job = await build_collection(actor, CORPUS, embedder=EMBED_MODEL)
    assert job.status == "done" and job.done == job.total == len(CORPUS), job
    system = create_rag_system(actor, RagSpec("Facts", CHAT_MODEL, [collection.id], top_k=2))  # type: ignore[list-item]

    for question, document in QUESTIONS.items():
        _system, inspection = await prepare(actor, system.id, question)  # type: ignore[arg-type]
        best = inspection.sources[0]
        assert (best.number, best.hit.title) == (1, document), f"{question!r} found {best.hit.title}"
        assert best.hit.score > inspection.sources[1].hit.score

    question = next(iter(QUESTIONS))
    rag, inspection = await prepare(actor, system.id, question)  # type: ignore[arg-type]
    assert "[1] bees.txt" in inspection.prompt
    chunks = [event async for event in stream_answer(actor, rag, inspection) if isinstance(event, ChatChunk)]
    assert "".join(chunk.content for chunk in chunks).strip(), "the model answered"
    assert chunks[-1].done and inspection.reported_prompt_tokens
