"""Moderation: the one way an admin acts on someone's private item, stated and logged.

Private items are their owner's alone (see policy). When an item must go (reported abuse,
a leaked secret), an admin deletes it here with a reason; the audit log keeps who, what and why.
"""

from __future__ import annotations

from collections.abc import Callable

from workshop_app.services.chat import history as chats
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.prompts import library as prompts
from workshop_app.services.rag import collections, documents
from workshop_app.services.rag import systems as rag
from workshop_app.services.rag.evaluation import question_sets
from workshop_app.services.tools import store
from workshop_app.services.workshops.policy import Actor, audit, for_moderation

DELETERS: dict[str, Callable[[Actor | None, int], None]] = {
    "chat": chats.delete_chat,
    "prompt": prompts.delete_prompt,
    "document": documents.delete_document,
    "collection": collections.delete_collection,
    "rag": rag.delete_rag_system,
    "tool": store.delete_tool,
    "question-set": question_sets.delete_question_set,
}


def delete_for_moderation(actor: Actor | None, kind: str, item_id: int, reason: str) -> None:
    """Delete any item of `kind` as a moderating admin; refused for everyone else and without a reason."""
    if kind not in DELETERS:
        raise InvalidInput(
            f"{kind!r} is not something that can be moderated.", hint=f"Use one of: {', '.join(DELETERS)}."
        )
    moderator = for_moderation(actor, reason)
    DELETERS[kind](moderator, item_id)
    audit.warning("moderation: %s deleted %s %s (%s)", moderator.username, kind, item_id, moderator.moderating)
