"""Asking a RAG system over REST: the answer with its numbered sources, behind the owner's API key."""

from __future__ import annotations

import httpx

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.api_server import api_server
from tests.support.collections import CORPUS, build_collection
from workshop_app.db.users import Role
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.rag.systems import RagSpec, create_rag_system
from workshop_app.services.workshops.policy import Actor


def _headers(actor: Actor) -> dict[str, str]:
    _, key = create_api_key(actor, "rag tests")
    return {"Authorization": f"Bearer {key}"}


async def test_the_owner_gets_an_answer_citing_the_retrieved_sources_and_others_do_not(
    fake_ollama: FakeOllama, migrated_database: str
) -> None:
    owner = actor_of(make_user(Role.ATTENDEE, "rag-owner"))
    stranger = actor_of(make_user(Role.ATTENDEE, "rag-stranger"))
    collection, _job = await build_collection(owner, CORPUS)
    system = create_rag_system(owner, RagSpec("Farm helper", "llama3.2:1b", [collection.id], top_k=2))  # type: ignore[list-item]
    question = {"question": "What can a llama carry as a pack animal over mountain trails?"}
    with api_server() as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            url = f"/api/v1/rag-systems/{system.id}/answer"
            response = await client.post(url, json=question, headers=_headers(owner))
            refused = await client.post(url, json=question, headers=_headers(stranger))
            anonymous = await client.post(url, json=question)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(s["number"], s["title"]) for s in body["sources"]][0] == (1, "llamas.md")
    assert "[1] llamas.md" in body["answer"]  # the fake echoes the prompt it was sent
    assert 1 in body["cited"]
    assert refused.status_code in (403, 404)
    assert anonymous.status_code == 401
