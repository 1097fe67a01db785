"""One resource of each owned kind, made through the real services, and a read-back of its state.

`KINDS` names each kind with the visibilities its service lets a person choose, a
factory that makes one owned by a given person, and a snapshot of everything an action
on it could change (so a test can show a refused action changed nothing).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import SQLModel, col, select

from tests.support.collections import CORPUS, EMBEDDER
from workshop_app.db.chats import Chat, ChatMessage
from workshop_app.db.collections import CollectionDocument, VectorCollection
from workshop_app.db.documents import Document
from workshop_app.db.engine import session_scope
from workshop_app.db.ownership import Visibility
from workshop_app.db.prompts import Prompt, PromptVersion
from workshop_app.db.question_sets import QuestionSet
from workshop_app.db.rag_systems import RagSystem
from workshop_app.db.tool_definitions import ToolRecord
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.core.jobs import get_jobs
from workshop_app.services.prompts import library as prompts
from workshop_app.services.prompts.library import PromptDraft
from workshop_app.services.rag.collections import CollectionSpec, create_collection, member_documents
from workshop_app.services.rag.documents import upload_many
from workshop_app.services.rag.embedding_jobs import start_embedding
from workshop_app.services.rag.evaluation.question_sets import QuestionSetSpec, QuestionSpec, create_question_set
from workshop_app.services.rag.systems import RagSpec, create_rag_system
from workshop_app.services.tools import store
from workshop_app.services.workshops.policy import Actor

CHAT_MODEL = "qwen2.5:0.5b"  # completion and tools
PRIVATE, WORKSHOP, PUBLIC = Visibility.PRIVATE, Visibility.WORKSHOP, Visibility.PUBLIC
_numbers = itertools.count()
_system_collections: dict[tuple[int, Visibility], int] = {}

Factory = Callable[[Actor, Visibility], Awaitable[int]]


@dataclass(frozen=True)
class Kind:
    visibilities: tuple[Visibility, ...]  # what its service lets a person choose
    make: Factory  # a new one owned by the person; its id
    table: type[SQLModel]
    children: tuple[Any, ...] = ()  # foreign-key columns of rows that belong to it


def weather_tool() -> dict[str, Any]:
    """A tool definition with a name no one has used yet."""
    return {
        "name": f"weather_{next(_numbers)}",
        "description": "Weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        "implementation": {"kind": "mock", "response": "It is sunny in {city}."},
    }


async def make_chat(owner: Actor, _visibility: Visibility) -> int:
    return chats.send_message(owner, None, ChatSettings(CHAT_MODEL), "How do llamas carry loads?")


async def make_prompt(owner: Actor, visibility: Visibility) -> int:
    view = prompts.create_prompt(owner, PromptDraft("Greeting", "Say hello to {{name}}.", visibility=visibility))
    return view.prompt.id  # type: ignore[return-value]


async def make_tool(owner: Actor, visibility: Visibility) -> int:
    return store.create_tool(owner, weather_tool(), visibility).id  # type: ignore[return-value]


async def make_document(owner: Actor, visibility: Visibility) -> int:
    [result] = upload_many(owner, [("llamas.md", CORPUS["llamas.md"])], visibility)
    assert result.ok, result.error
    return result.document_id  # type: ignore[return-value]


async def make_collection(owner: Actor, visibility: Visibility) -> int:
    """A collection holding one embedded document of the same visibility."""
    collection = await create_collection(owner, CollectionSpec("Llamas", EMBEDDER, visibility=visibility))
    job = await start_embedding(owner, collection.id, [await make_document(owner, visibility)])  # type: ignore[arg-type]
    assert (await get_jobs().wait(job.id)).error == ""
    return collection.id  # type: ignore[return-value]


async def shared_collection(owner: Actor, visibility: Visibility) -> int:
    """One collection per owner and visibility for the kinds built on one (each new one costs an embedding job)."""
    if (owner.id, visibility) not in _system_collections:
        _system_collections[owner.id, visibility] = await make_collection(owner, visibility)
    return _system_collections[owner.id, visibility]


async def make_rag_system(owner: Actor, visibility: Visibility) -> int:
    """A system over a collection shared as widely as the system, so whoever may ask it may retrieve."""
    collection_id = await shared_collection(owner, visibility)
    spec = RagSpec("Llama helper", CHAT_MODEL, [collection_id], top_k=2, visibility=visibility)
    return create_rag_system(owner, spec).id  # type: ignore[return-value]


async def make_question_set(owner: Actor, visibility: Visibility) -> int:
    """A question set about a collection shared as widely as the set, so whoever may read it may run it."""
    collection_id = await shared_collection(owner, visibility)
    [member] = member_documents(owner, collection_id)
    question = QuestionSpec("What can a llama carry?", member.document_id)
    spec = QuestionSetSpec("Llama quiz", collection_id, [question], visibility=visibility)
    return create_question_set(owner, spec).id  # type: ignore[return-value]


KINDS: dict[str, Kind] = {
    "chat": Kind((PRIVATE,), make_chat, Chat, (ChatMessage.chat_id,)),
    "prompt": Kind((PRIVATE, WORKSHOP), make_prompt, Prompt, (PromptVersion.prompt_id,)),
    "tool": Kind((PRIVATE, WORKSHOP), make_tool, ToolRecord),
    "document": Kind((PRIVATE, WORKSHOP, PUBLIC), make_document, Document, (CollectionDocument.document_id,)),
    "collection": Kind(
        (PRIVATE, WORKSHOP, PUBLIC), make_collection, VectorCollection, (CollectionDocument.collection_id,)
    ),
    "rag system": Kind((PRIVATE, WORKSHOP, PUBLIC), make_rag_system, RagSystem),
    "question set": Kind((PRIVATE, WORKSHOP, PUBLIC), make_question_set, QuestionSet),
}


def snapshot(kind: str, resource_id: int) -> tuple:
    """The row and the rows that belong to it, as stored now (None once deleted)."""
    spec = KINDS[kind]
    with session_scope() as session:
        row = session.get(spec.table, resource_id)
        children = [
            [
                child.model_dump()
                for child in session.exec(
                    select(column.class_).where(column == resource_id).order_by(col(column.class_.id))
                ).all()
            ]
            for column in spec.children
        ]
        return (row and row.model_dump(), children)
