"""Every action on every owned resource type, at every visibility it supports, tried by every kind of person.

The resource belongs to `peer`, an attendee of i1's workshop. The people are its owner, an
attendee of the same workshop, an attendee of another workshop, the workshop's instructor,
the other workshop's instructor, an admin and nobody. A private resource is its owner's alone
(an admin opens it only through a logged moderation, see test_policy). Through the services only the allowed
ones pass (Unauthorized for nobody, Forbidden for the others) and through REST, where a
route exists, the same ones pass (401 / 403); a refused action changes nothing.

To cover a new action or resource type, add a row to `SERVICE_ACTIONS` / `REST_ACTIONS`
(and a factory to `tests/support/owned_resources.KINDS`).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, select

from tests.fakes.ollama_server import FakeOllama
from tests.support.collections import EMBEDDER
from tests.support.owned_resources import CHAT_MODEL, KINDS, make_collection, snapshot, weather_tool
from tests.support.personas import PERSONAS, Cast, build_cast
from workshop_app.api import build_api
from workshop_app.db.chats import ChatMessage
from workshop_app.db.engine import session_scope
from workshop_app.db.ownership import Visibility
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.core.errors import Forbidden, NotFound, Unauthorized
from workshop_app.services.core.jobs import get_jobs
from workshop_app.services.prompts import library as prompts
from workshop_app.services.prompts.library import PromptDraft
from workshop_app.services.rag import collections, documents, retrieval
from workshop_app.services.rag import systems as rag
from workshop_app.services.rag.chunking import ChunkSettings
from workshop_app.services.rag.collections import CollectionSpec
from workshop_app.services.rag.embedding_jobs import collection_jobs, start_embedding
from workshop_app.services.rag.embedding_map import collection_map
from workshop_app.services.rag.evaluation import question_sets
from workshop_app.services.rag.evaluation import runs as evaluation_runs
from workshop_app.services.rag.systems import RagSpec
from workshop_app.services.tools import store
from workshop_app.services.workshops.policy import Actor

PEOPLE = (*PERSONAS, "other_instructor")
ACCOUNT = {"owner": "peer", "instructor": "i1", "other_instructor": "i2"}  # persona -> person in the cast
QUESTION = "What can a llama carry over mountain trails?"
SETTINGS = ChatSettings(CHAT_MODEL)


def readers(visibility: Visibility) -> set[str]:
    """Who may read (and so use) a resource: a private one its owner alone; a shared one also the
    workshop's instructor, admins and whom it is shared with."""
    shared = {
        Visibility.WORKSHOP: {"same_workshop_attendee"},
        Visibility.PUBLIC: {"same_workshop_attendee", "other_workshop_attendee", "other_instructor"},
    }
    if visibility == Visibility.PRIVATE:
        return {"owner"}
    return {"owner", "instructor", "admin"} | shared.get(visibility, set())


def editors(visibility: Visibility) -> set[str]:
    return {"owner"} if visibility == Visibility.PRIVATE else {"owner", "admin"}


def owner_only(_visibility: Visibility) -> set[str]:
    return {"owner"}


def workshop_runners(visibility: Visibility) -> set[str]:
    """Those who run the workshop, for an item they may read: never someone's private one."""
    return set() if visibility == Visibility.PRIVATE else {"instructor", "admin"}


@dataclass
class Stage:
    """The cast, plus resources that read-only actions share (made once per kind and visibility)."""

    cast: Cast
    shared: dict[tuple[str, Visibility], int] = field(default_factory=dict)
    own_collections: dict[str, int] = field(default_factory=dict)

    def actor(self, persona: str) -> Actor | None:
        name = ACCOUNT.get(persona, persona)
        return self.cast.people.get(name)

    def headers(self, persona: str) -> dict[str, str]:
        name = ACCOUNT.get(persona, persona)
        return {"Authorization": f"Bearer {self.cast.keys[name]}"} if name in self.cast.keys else {}

    async def resource(self, kind: str, visibility: Visibility, fresh: bool) -> int:
        owner = self.cast.people["peer"]
        if fresh:
            return await KINDS[kind].make(owner, visibility)
        if (kind, visibility) not in self.shared:
            self.shared[kind, visibility] = await KINDS[kind].make(owner, visibility)
        return self.shared[kind, visibility]

    async def collection_of(self, actor: Actor) -> int:
        """An empty collection of the person's own, to add others' documents to."""
        if actor.username not in self.own_collections:
            spec = CollectionSpec("Mine", EMBEDDER, chunks=ChunkSettings(200, 20))
            self.own_collections[actor.username] = (await collections.create_collection(actor, spec)).id  # type: ignore[assignment]
        return self.own_collections[actor.username]


@dataclass(frozen=True)
class Target:
    id: int
    stage: Stage


# --- what each action does, given the acting person (None: nobody) and the resource -----------------


def first_message(chat_id: int) -> int:
    with session_scope() as session:
        query = select(ChatMessage.id).where(ChatMessage.chat_id == chat_id).order_by(col(ChatMessage.id))
        return session.exec(query).first()  # type: ignore[return-value]


async def drain(events: AsyncIterator[Any]) -> None:
    async with aclosing(events):  # type: ignore[type-var]
        async for _ in events:
            pass


async def ask(actor: Actor | None, target: Target) -> None:
    system, inspection = await rag.prepare(actor, target.id, QUESTION)
    await drain(rag.stream_answer(actor, system, inspection))


async def add_documents(actor: Actor | None, target: Target) -> None:
    """Add a document the person may read to the collection (the owner's, shared with the workshop: editors read it)."""
    document_id = await target.stage.resource("document", Visibility.WORKSHOP, False)
    job = await start_embedding(actor, target.id, [document_id])
    assert (await get_jobs().wait(job.id)).item_errors == []


class DocumentSkipped(Exception):
    """An embedding job reports a document it may not read per document (it goes on with the others)."""


async def embed_into_own_collection(actor: Actor | None, target: Target) -> None:
    own = (
        await target.stage.collection_of(actor)
        if actor
        else await target.stage.resource("collection", Visibility.PRIVATE, False)
    )
    job = await get_jobs().wait((await start_embedding(actor, own, [target.id])).id)
    if job.item_errors:
        assert all("may not read" in error.message for error in job.item_errors), job.item_errors
        raise DocumentSkipped(job.item_errors[0].message)
    assert job.status == "done", (job.status, job.error)
    assert target.id in [member.document_id for member in collections.member_documents(actor, own)]


@dataclass(frozen=True)
class Action:
    run: Callable[[Actor | None, Target], Any]  # may return an awaitable
    may: Callable[[Visibility], set[str]]  # who may, at a visibility
    mutates: bool = False  # needs a resource of its own
    listing: bool = False  # `run` returns the ids the person sees; allowed = the resource is among them
    refusal: type[Exception] = Forbidden


async def perform(spec: Action, actor: Actor | None, target: Target) -> Any:
    result = spec.run(actor, target)
    return await result if inspect.isawaitable(result) else result


def listed(ids: Callable[[Actor | None], list[Any]]) -> Callable[[Actor | None, Target], list[int]]:
    return lambda a, t: [row.id for row in ids(a)]


SERVICE_ACTIONS: dict[str, dict[str, Action]] = {
    "chat": {
        "read": Action(lambda a, t: chats.get_chat(a, t.id), readers),
        "list": Action(listed(chats.list_chats), owner_only, listing=True),  # the chat list is one's own history
        "export": Action(lambda a, t: chats.export_markdown(a, t.id), readers),
        "rename": Action(lambda a, t: chats.rename_chat(a, t.id, "Renamed"), editors, mutates=True),
        "send a message": Action(
            lambda a, t: chats.send_message(a, t.id, SETTINGS, "And alpacas?"), editors, mutates=True
        ),
        "stream a reply": Action(lambda a, t: drain(chats.stream_chat_reply(a, t.id)), editors, mutates=True),
        "edit a message": Action(
            lambda a, t: chats.edit_message(a, first_message(t.id), SETTINGS, "Edited"), editors, mutates=True
        ),
        "regenerate": Action(lambda a, t: chats.prepare_regenerate(a, t.id, SETTINGS), editors, mutates=True),
        "delete a message": Action(lambda a, t: chats.delete_message(a, first_message(t.id)), editors, mutates=True),
        "delete": Action(lambda a, t: chats.delete_chat(a, t.id), editors, mutates=True),
    },
    "prompt": {
        "read": Action(lambda a, t: prompts.get_prompt(a, t.id), readers),
        "list": Action(listed(prompts.list_prompts), readers, listing=True),
        "versions": Action(lambda a, t: prompts.list_versions(a, t.id), readers),
        "export": Action(lambda a, t: prompts.export_json(a, [t.id]), readers),
        "run (fill in)": Action(lambda a, t: prompts.fill_prompt(a, t.id, {"name": "Ada"}), readers),
        "save a version": Action(
            lambda a, t: prompts.save_prompt(a, t.id, PromptDraft("Greeting", "Hi {{name}}.")), editors, mutates=True
        ),
        "restore a version": Action(lambda a, t: prompts.restore_version(a, t.id, 1), editors, mutates=True),
        "push to the workshop": Action(
            lambda a, t: prompts.push_to_workshop(a, t.id, t.stage.cast.workshop.id or 0), workshop_runners
        ),
        "delete": Action(lambda a, t: prompts.delete_prompt(a, t.id), editors, mutates=True),
    },
    "tool": {
        "read": Action(lambda a, t: store.get_tool(a, t.id), readers),
        "list": Action(listed(store.list_tools), readers, listing=True),
        "export": Action(lambda a, t: store.export_json(a, [t.id]), readers),
        "attach to a chat": Action(
            lambda a, t: chats.send_message(a, None, ChatSettings(CHAT_MODEL, tool_ids=(t.id,)), "Weather?"), readers
        ),
        "update": Action(
            lambda a, t: store.update_tool(a, t.id, weather_tool(), Visibility.PRIVATE), editors, mutates=True
        ),
        "delete": Action(lambda a, t: store.delete_tool(a, t.id), editors, mutates=True),
    },
    "document": {
        "read": Action(lambda a, t: documents.get_document(a, t.id), readers),
        "list": Action(listed(documents.list_documents), readers, listing=True),
        "preview chunks": Action(lambda a, t: documents.preview_chunks(a, t.id, ChunkSettings(200, 20)), readers),
        "embed into one's own collection": Action(embed_into_own_collection, readers, refusal=DocumentSkipped),
        "delete": Action(lambda a, t: documents.delete_document(a, t.id), editors, mutates=True),
    },
    "collection": {
        "read": Action(lambda a, t: collections.get_collection(a, t.id), readers),
        "list": Action(listed(collections.list_collections), readers, listing=True),
        "list documents": Action(lambda a, t: collections.member_documents(a, t.id), readers),
        "list embedding jobs": Action(lambda a, t: collection_jobs(a, t.id), readers),
        "search": Action(lambda a, t: retrieval.search(a, t.id, QUESTION), readers),
        "embedding map": Action(lambda a, t: collection_map(a, t.id), readers),
        "build a RAG system on it": Action(
            lambda a, t: rag.create_rag_system(a, RagSpec("Mine", CHAT_MODEL, [t.id])), readers
        ),
        "add documents": Action(add_documents, editors, mutates=True),
        "delete": Action(lambda a, t: collections.delete_collection(a, t.id), editors, mutates=True),
    },
    "rag system": {
        "read": Action(lambda a, t: rag.get_rag_system(a, t.id), readers),
        "list": Action(listed(rag.list_rag_systems), readers, listing=True),
        "ask": Action(ask, readers),
        "delete": Action(lambda a, t: rag.delete_rag_system(a, t.id), editors, mutates=True),
    },
    "question set": {
        "read": Action(lambda a, t: question_sets.get_question_set(a, t.id), readers),
        "list": Action(listed(question_sets.list_question_sets), readers, listing=True),
        "run": Action(lambda a, t: evaluation_runs.run_question_set(a, t.id), readers),
        "delete": Action(lambda a, t: question_sets.delete_question_set(a, t.id), editors, mutates=True),
    },
}


@dataclass(frozen=True)
class Route:
    method: str
    path: Callable[[int], str]
    may: Callable[[Visibility], set[str]]
    mutates: bool = False
    listing: bool = False  # the response is a list of objects with ids
    body: Callable[[int], Any] | None = None


REST_ACTIONS: dict[str, dict[str, Route]] = {
    "tool": {
        "GET one": Route("GET", lambda i: f"/api/v1/tools/{i}", readers),
        "GET list": Route("GET", lambda i: "/api/v1/tools", readers, listing=True),
        "GET export": Route("GET", lambda i: f"/api/v1/tools/export?ids={i}", readers),
        "PUT": Route(
            "PUT",
            lambda i: f"/api/v1/tools/{i}",
            editors,
            mutates=True,
            body=lambda i: weather_tool() | {"visibility": "private"},
        ),
        "DELETE": Route("DELETE", lambda i: f"/api/v1/tools/{i}", editors, mutates=True),
    },
    "rag system": {
        "POST answer": Route(
            "POST", lambda i: f"/api/v1/rag-systems/{i}/answer", readers, body=lambda i: {"question": QUESTION}
        ),
    },
    "question set": {
        "GET one": Route("GET", lambda i: f"/api/v1/question-sets/{i}", readers),
        "GET list": Route("GET", lambda i: "/api/v1/question-sets", readers, listing=True),
        "POST run": Route("POST", lambda i: f"/api/v1/question-sets/{i}/run", readers),
        "DELETE": Route("DELETE", lambda i: f"/api/v1/question-sets/{i}", editors, mutates=True),
    },
}


def _cases(table: dict[str, dict[str, Any]]) -> list[Any]:
    return [
        pytest.param(kind, action, visibility, persona, id=f"{kind}-{action}-{visibility}-{persona}")
        for kind, actions in table.items()
        for action in actions
        for visibility in KINDS[kind].visibilities
        for persona in PEOPLE
    ]


@pytest.fixture(scope="module")
def stage(migrated_database: str) -> Stage:
    return Stage(build_cast())


@pytest.fixture(scope="module")
def api(migrated_database: str) -> FastAPI:
    return build_api()


@pytest.mark.parametrize(("kind", "action", "visibility", "persona"), _cases(SERVICE_ACTIONS))
async def test_services_allow_only_the_allowed(
    stage: Stage, fake_ollama: FakeOllama, kind: str, action: str, visibility: Visibility, persona: str
) -> None:
    spec = SERVICE_ACTIONS[kind][action]
    target = Target(await stage.resource(kind, visibility, spec.mutates), stage)
    actor, allowed = stage.actor(persona), persona in spec.may(visibility)
    before = snapshot(kind, target.id)
    if spec.listing and actor is not None:
        assert (target.id in spec.run(actor, target)) is allowed
        return
    if allowed:
        await perform(spec, actor, target)
        return
    with pytest.raises(Unauthorized if actor is None else spec.refusal):
        await perform(spec, actor, target)
    assert snapshot(kind, target.id) == before


@pytest.mark.parametrize(("kind", "action", "visibility", "persona"), _cases(REST_ACTIONS))
async def test_rest_allows_only_the_allowed(
    stage: Stage, api: FastAPI, fake_ollama: FakeOllama, kind: str, action: str, visibility: Visibility, persona: str
) -> None:
    route = REST_ACTIONS[kind][action]
    resource_id = await stage.resource(kind, visibility, route.mutates)
    allowed, before = persona in route.may(visibility), snapshot(kind, resource_id)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://api") as client:
        body = route.body(resource_id) if route.body else None
        response = await client.request(
            route.method, route.path(resource_id), json=body, headers=stage.headers(persona)
        )
    if route.listing and response.status_code == 200:
        assert (resource_id in [item["id"] for item in response.json()]) is allowed
        return
    if allowed:
        assert response.status_code < 300, response.text
        return
    assert response.status_code == (403 if stage.actor(persona) else 401), response.text
    assert response.json()["hint"], "a refusal says what to do next"
    assert snapshot(kind, resource_id) == before


@pytest.mark.parametrize("persona", ["owner", "admin", "anonymous"])
@pytest.mark.parametrize("kind", list(SERVICE_ACTIONS))
async def test_a_missing_resource_is_not_found_for_the_signed_in_and_unauthorized_for_nobody(
    stage: Stage, kind: str, persona: str
) -> None:
    read = SERVICE_ACTIONS[kind]["read"]
    with pytest.raises(NotFound if stage.actor(persona) else Unauthorized):
        read.run(stage.actor(persona), Target(10**9, stage))


async def test_the_shared_rag_system_is_only_as_usable_as_its_collections(
    stage: Stage, fake_ollama: FakeOllama
) -> None:
    """Sharing a system does not share the collections it reads: a member may not retrieve from a private one."""
    owner, member = stage.cast.people["peer"], stage.cast.people["same_workshop_attendee"]
    private = await make_collection(owner, Visibility.PRIVATE)
    system = rag.create_rag_system(owner, RagSpec("Half shared", CHAT_MODEL, [private], visibility=Visibility.WORKSHOP))
    assert rag.get_rag_system(member, system.id).id == system.id  # type: ignore[arg-type]
    with pytest.raises(Forbidden, match="collection"):
        await ask(member, Target(system.id, stage))  # type: ignore[arg-type]


@pytest.mark.parametrize("persona", ["owner", "admin", "anonymous"])
@pytest.mark.parametrize(
    ("kind", "action"),
    [(k, a) for k, routes in REST_ACTIONS.items() for a, route in routes.items() if not route.listing],
)
async def test_a_missing_resource_is_404_over_rest_for_the_signed_in_and_401_for_nobody(
    stage: Stage, api: FastAPI, kind: str, action: str, persona: str
) -> None:
    route = REST_ACTIONS[kind][action]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://api") as client:
        body = route.body(10**9) if route.body else None
        response = await client.request(route.method, route.path(10**9), json=body, headers=stage.headers(persona))
    assert response.status_code == (404 if stage.actor(persona) else 401), response.text
