"""Help requests: an attendee who is stuck raises a hand, sharing their current chat or RAG question
with the instructors of their workshop, who work through the queue and mark each one done.

Sharing is the attendee's own act: a copy of what they chose is stored with the request, so
their private items stay private and the instructor reads only what was shared, read-only.
One hand per person: asking again while the hand is up replaces what is shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from workshop_app.db.engine import session_scope
from workshop_app.db.help_requests import HelpKind, HelpRequest
from workshop_app.db.model_requests import utcnow
from workshop_app.db.users import User
from workshop_app.db.workshops import Workshop
from workshop_app.services.chat import history as chats
from workshop_app.services.core.errors import Forbidden, InvalidInput, NotFound
from workshop_app.services.workshops.policy import Action, Actor, require, require_actor

MAX_TURNS = 40  # the latest turns of a long chat
MAX_TURN_CHARS = 20_000
TITLE_CHARS = 200


@dataclass(frozen=True)
class RaisedHand:
    """One request as the instructor's queue shows it."""

    id: int
    requester: str
    kind: str
    title: str
    shared: list[dict[str, Any]]
    created_at: datetime
    done: bool


def ask_about_chat(actor: Actor | None, chat_id: int) -> HelpRequest:
    """Raise a hand sharing one of the person's own chats (a copy of its latest turns)."""
    view = chats.get_chat(actor, chat_id)
    actor = require_actor(actor)
    if view.chat.creator_id != actor.id:
        raise Forbidden("You can ask for help with your own chats only.")
    turns = [{"role": m.role, "content": m.content} for m in view.messages if m.content.strip()]
    return _raise_hand(actor, HelpKind.CHAT, view.chat.title, turns)


def ask_about_rag(
    actor: Actor | None, system_name: str, question: str, answer: str, sources: Sequence[str] = ()
) -> HelpRequest:
    """Raise a hand sharing the question the person asked a RAG system, its answer and its sources."""
    if not question.strip():
        raise InvalidInput("Ask the RAG system a question first.", hint="Then ask for help with its answer.")
    turns = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    if sources:
        turns.append({"role": "sources", "content": "\n\n".join(str(source) for source in sources)})
    return _raise_hand(require_actor(actor), HelpKind.RAG, f"RAG · {system_name}: {question}", turns)


def _raise_hand(actor: Actor, kind: HelpKind, title: str, turns: list[dict[str, str]]) -> HelpRequest:
    if actor.workshop_id is None:
        raise InvalidInput(
            "You are not in a workshop, so there is no instructor to ask.", hint="Join a workshop with its code."
        )
    if not turns:
        raise InvalidInput("There is nothing to share yet.", hint="Send a message first, then ask for help.")
    shared = [{"role": t["role"], "content": t["content"][:MAX_TURN_CHARS]} for t in turns[-MAX_TURNS:]]
    title = " ".join(title.split())[:TITLE_CHARS] or "Help"
    with session_scope() as session:
        hand = _open_hand(session, actor.id) or HelpRequest(
            workshop_id=actor.workshop_id, requester_id=actor.id, kind=kind, title=title
        )
        hand.kind, hand.title, hand.shared, hand.created_at = kind, title, shared, utcnow()
        session.add(hand)
        session.flush()
        return hand


def _open_hand(session: Session, user_id: int) -> HelpRequest | None:
    query = select(HelpRequest).where(HelpRequest.requester_id == user_id, col(HelpRequest.done_at).is_(None))
    return session.exec(query).first()


def my_open_request(actor: Actor | None) -> HelpRequest | None:
    """The person's raised hand, if it is still up."""
    actor = require_actor(actor)
    with session_scope() as session:
        return _open_hand(session, actor.id)


def queue(actor: Actor | None, workshop_id: int) -> list[RaisedHand]:
    """The workshop's raised hands, oldest first, for the people who run it."""
    with session_scope() as session:
        _require_runner(session, actor, workshop_id)
        query = (
            select(HelpRequest, User.display_name)
            .join(User, col(User.id) == HelpRequest.requester_id)
            .where(HelpRequest.workshop_id == workshop_id, col(HelpRequest.done_at).is_(None))
            .order_by(col(HelpRequest.created_at))
        )
        return [_raised(hand, name) for hand, name in session.exec(query).all()]


def get_request(actor: Actor | None, request_id: int) -> RaisedHand:
    """One request, read-only, for the workshop's instructors (and the person who asked)."""
    with session_scope() as session:
        hand = _hand(session, request_id)
        if require_actor(actor).id != hand.requester_id:
            _require_runner(session, actor, hand.workshop_id)
        requester = session.get(User, hand.requester_id)
        return _raised(hand, requester.display_name if requester else "")


def mark_done(actor: Actor | None, request_id: int) -> None:
    """Lower the hand: by an instructor of the workshop, or by the person who asked."""
    actor = require_actor(actor)
    with session_scope() as session:
        hand = _hand(session, request_id)
        if actor.id != hand.requester_id:
            _require_runner(session, actor, hand.workshop_id)
        if hand.done_at is None:
            hand.done_at, hand.done_by = utcnow(), actor.id
            session.add(hand)


def _hand(session: Session, request_id: int) -> HelpRequest:
    hand = session.get(HelpRequest, request_id)
    if hand is None:
        raise NotFound(f"Help request {request_id} does not exist.", hint="Refresh the queue.")
    return hand


def _require_runner(session: Session, actor: Actor | None, workshop_id: int) -> None:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound("This workshop does not exist (any more).", hint="Pick one from the list.")
    require(actor, Action.WRITE, workshop)


def _raised(hand: HelpRequest, requester: str) -> RaisedHand:
    done = hand.done_at is not None
    return RaisedHand(hand.id or 0, requester, hand.kind, hand.title, list(hand.shared), hand.created_at, done)
