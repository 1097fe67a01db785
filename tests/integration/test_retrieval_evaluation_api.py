"""Retrieval evaluation over REST: save a question set (refused whole with a sentence), run it,
compare settings, and only the people the policy allows."""

from __future__ import annotations

import httpx

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.api_server import api_server
from tests.support.collections import CORPUS, EMBEDDER, QUESTIONS, build_collection, upload
from workshop_app.db.users import Role
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.rag.collections import member_documents
from workshop_app.services.workshops.policy import Actor


def _headers(actor: Actor) -> dict[str, str]:
    _, key = create_api_key(actor, "evaluation tests")
    return {"Authorization": f"Bearer {key}"}


async def test_a_question_set_is_saved_run_compared_and_deleted_over_rest(
    fake_ollama: FakeOllama, migrated_database: str
) -> None:
    owner = actor_of(make_user(Role.ATTENDEE, "eval-owner"))
    stranger = actor_of(make_user(Role.ATTENDEE, "eval-stranger"))
    collection, _job = await build_collection(owner, CORPUS)
    ids = {m.title: m.document_id for m in member_documents(owner, collection.id)}  # type: ignore[arg-type]
    [outsider] = upload(owner, {"outside.txt": b"Not in the collection."})
    questions = [{"question": q, "document_id": ids[title]} for q, title in QUESTIONS.items()]
    body = {"name": "Quiz", "collection_id": collection.id, "top_k": 2, "questions": questions}
    mine, theirs = _headers(owner), _headers(stranger)

    with api_server() as base:
        async with httpx.AsyncClient(base_url=base + "/api/v1", timeout=60) as client:
            bad = {**body, "questions": [*questions, {"question": "Who?", "document_id": outsider}]}
            refused = await client.post("/question-sets", json=bad, headers=mine)
            empty = await client.post(
                "/question-sets",
                json={**body, "questions": [{"question": " ", "document_id": ids["chess.txt"]}]},
                headers=mine,
            )
            wide = await client.post("/question-sets", json={**body, "top_k": 0}, headers=mine)
            mine_only = {"collection_id": collection.id}
            listed_before = (await client.get("/question-sets", params=mine_only, headers=mine)).json()
            created = await client.post("/question-sets", json=body, headers=mine)
            set_id = created.json()["id"]
            listed = (await client.get("/question-sets", params={"collection_id": collection.id}, headers=mine)).json()
            run = await client.post(f"/question-sets/{set_id}/run", headers=mine)
            run_k1 = await client.post(f"/question-sets/{set_id}/run", json={"top_k": 1}, headers=mine)
            variants = {"variants": [{"embedding_model": EMBEDDER, "chunk_size": 50, "chunk_overlap": 0, "top_k": 2}]}
            compared = await client.post(f"/question-sets/{set_id}/compare", json=variants, headers=mine)
            too_many = await client.post(
                f"/question-sets/{set_id}/compare", json={"variants": variants["variants"] * 5}, headers=mine
            )
            stranger_run = await client.post(f"/question-sets/{set_id}/run", headers=theirs)
            stranger_delete = await client.delete(f"/question-sets/{set_id}", headers=theirs)
            deleted = await client.delete(f"/question-sets/{set_id}", headers=mine)
            gone = await client.get(f"/question-sets/{set_id}", headers=mine)

    assert refused.status_code == 422, refused.text
    assert refused.json()["message"] == f"Question 5 expects document {outsider}, which is not in this collection."
    assert "llamas.md" in refused.json()["hint"]
    assert (empty.status_code, empty.json()["message"]) == (422, "Question 1 is empty.")
    assert (wide.status_code, wide.json()["message"]) == (422, "k = 0 is out of range.")
    assert listed_before == []
    assert created.status_code == 201, created.text
    assert [q["title"] for q in created.json()["questions"]] == list(QUESTIONS.values())
    assert [s["id"] for s in listed] == [set_id]
    assert run.status_code == 200, run.text
    result = run.json()
    assert (result["recall"], result["mrr"], result["found"]) == (1.0, 1.0, 4)
    assert result["setting"]["label"] == f"{EMBEDDER} · 200 chars · top 2"
    first = result["outcomes"][0]
    assert first["rank"] == 1 and [r["title"] for r in first["retrieved"]][0] == "llamas.md"
    assert len(first["retrieved"]) == 2 and first["retrieved"][0]["expected"] is True
    assert run_k1.json()["setting"]["top_k"] == 1 and len(run_k1.json()["outcomes"][0]["retrieved"]) == 1
    assert compared.status_code == 200, compared.text
    assert [e["setting"]["label"] for e in compared.json()] == [
        f"{EMBEDDER} · 200 chars · top 2",
        f"{EMBEDDER} · 50 chars · top 2",
    ]
    assert compared.json()[1]["chunk_count"] > compared.json()[0]["chunk_count"]
    assert too_many.status_code == 422
    assert stranger_run.status_code == 403 and stranger_delete.status_code == 403
    assert deleted.status_code == 204 and gone.status_code == 404


def test_the_question_set_operations_are_documented_in_openapi(migrated_database: str) -> None:
    with api_server() as base:
        paths = httpx.get(f"{base}/openapi.json", timeout=30).json()["paths"]
    assert set(paths["/api/v1/question-sets"]) == {"get", "post"}
    assert set(paths["/api/v1/question-sets/{set_id}"]) == {"get", "delete"}
    run = paths["/api/v1/question-sets/{set_id}/run"]["post"]
    assert "recall@k" in run["summary"] and {"403", "404", "422"} <= set(run["responses"])
    assert "/api/v1/question-sets/{set_id}/compare" in paths
