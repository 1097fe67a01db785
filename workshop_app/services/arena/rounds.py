"""Opening an arena, playing a round, voting, and what a round shows before and after the vote.

A round's view (`RoundView`) carries the model names only once it has a vote, so neither
the page nor the REST API can show them earlier. Rounds are their attendee's own: anyone
else asking for one gets NotFound, as if it did not exist.
"""

from __future__ import annotations

import random
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from workshop_app.db.arena import Arena, ArenaRound
from workshop_app.db.engine import session_scope
from workshop_app.db.model_requests import utcnow
from workshop_app.services.chat.compare import ColumnUpdate, column_replies
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.chat.model_choices import chat_models
from workshop_app.services.core.errors import InvalidInput, NotFound
from workshop_app.services.core.running_streams import stoppable, stream_kind
from workshop_app.services.workshops.lifecycle import load_workshop
from workshop_app.services.workshops.policy import Action, Actor, require_actor

MIN_MODELS = 2
MAX_PROMPT_CHARS = 20_000
LABELS = ("A", "B")
ARENA_ROUND = stream_kind("arena-round")
"""A round streaming (subject: the round's id, never its models); only its attendee sees and stops it."""


class Vote(StrEnum):
    A = "a"
    B = "b"
    TIE = "tie"
    BOTH_BAD = "both_bad"


@dataclass(frozen=True)
class ArenaView:
    workshop_id: int
    models: list[str]
    is_open: bool


@dataclass(frozen=True)
class RoundView:
    """A round as its attendee sees it: `models` is empty until the vote, then the names of A and B."""

    id: int
    prompt: str
    replies: list[str]
    vote: str | None
    models: list[str]


def open_arena(actor: Actor | None, workshop_id: int, models: Sequence[str]) -> ArenaView:
    """Open (or re-open with other models) the workshop's arena: 2+ distinct models the workshop allows."""
    chosen = list(dict.fromkeys(m.strip() for m in models if m.strip()))
    with session_scope() as session:
        workshop = load_workshop(session, actor, workshop_id, Action.WRITE)
        if len(chosen) < MIN_MODELS:
            raise InvalidInput(
                f"An arena needs at least {MIN_MODELS} different models.", hint="Tick two or more models."
            )
        refused = [m for m in chosen if workshop.allowed_models and m not in workshop.allowed_models]
        if refused:
            raise InvalidInput(
                f"This workshop does not use {', '.join(refused)}.", hint="Pick from the workshop's models."
            )
        arena = find_arena(session, workshop_id) or Arena(workshop_id=workshop_id)
        arena.models, arena.is_open, arena.opened_by, arena.opened_at = chosen, True, require_actor(actor).id, utcnow()
        session.add(arena)
        return _arena_view(arena)


async def candidate_models(actor: Actor | None, workshop_id: int) -> list[str]:
    """The chat models an arena in this workshop may use: reachable ones the workshop allows."""
    with session_scope() as session:
        allowed = list(load_workshop(session, actor, workshop_id, Action.WRITE).allowed_models)
    choices, _ = await chat_models(require_actor(actor))
    return [choice.name for choice in choices if not allowed or choice.name in allowed]


def close_arena(actor: Actor | None, workshop_id: int) -> ArenaView:
    """No new rounds; the votes and the leaderboard stay."""
    with session_scope() as session:
        load_workshop(session, actor, workshop_id, Action.WRITE)
        arena = _open_arena(session, workshop_id, must_be_open=False)
        arena.is_open = False
        session.add(arena)
        return _arena_view(arena)


def get_arena(actor: Actor | None, workshop_id: int) -> ArenaView | None:
    """The workshop's arena for its members and instructors; None when it was never opened."""
    with session_scope() as session:
        _member(session, actor, workshop_id)
        arena = find_arena(session, workshop_id)
        return _arena_view(arena) if arena else None


def start_round(actor: Actor | None, workshop_id: int, prompt: str) -> RoundView:
    """Pair two of the arena's models at random as A and B for this prompt; nothing streams yet."""
    if not prompt.strip():
        raise InvalidInput("The prompt is empty.", hint="Type what both models should answer.")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidInput(f"The prompt is longer than {MAX_PROMPT_CHARS} characters.", hint="Shorten it.")
    with session_scope() as session:
        actor = _member(session, actor, workshop_id)
        arena = _open_arena(session, workshop_id)
        model_a, model_b = random.sample(arena.models, 2)
        played = ArenaRound(
            workshop_id=workshop_id, attendee_id=actor.id, prompt=prompt.strip(), model_a=model_a, model_b=model_b
        )
        session.add(played)
        session.flush()
        return round_view(played)


def play_round(actor: Actor, round_id: int, *, client_ip: str | None = None) -> AsyncGenerator[ColumnUpdate, None]:
    """Both replies as one turn of the fair queue; column 0 is A, 1 is B (no names in the updates, nor in the
    running stream its owner may stop from elsewhere: its subject is the round)."""
    with session_scope() as session:
        played = _own_round(session, actor, round_id)
        columns = [ChatSettings(played.model_a).checked(actor), ChatSettings(played.model_b).checked(actor)]
        prompt = played.prompt
    return stoppable(actor, ARENA_ROUND, str(round_id), column_replies(actor, columns, prompt, client_ip=client_ip))


async def run_round(actor: Actor | None, workshop_id: int, prompt: str, client_ip: str | None = None) -> RoundView:
    """Start a round, let both models answer in full and keep the replies (the REST face's round)."""
    started = start_round(actor, workshop_id, prompt)
    replies = ["", ""]
    async for update in play_round(require_actor(actor), started.id, client_ip=client_ip):
        replies[update.index] += update.text
    return keep_replies(actor, started.id, replies)


def keep_replies(actor: Actor | None, round_id: int, replies: Sequence[str]) -> RoundView:
    """Store what A and B answered (as far as they got), so the attendee finds the round again."""
    with session_scope() as session:
        played = _own_round(session, require_actor(actor), round_id)
        played.reply_a, played.reply_b = replies[0], replies[1]
        session.add(played)
        return round_view(played)


def vote(actor: Actor | None, round_id: int, choice: str, workshop_id: int | None = None) -> RoundView:
    """The attendee's one verdict on the round (of `workshop_id`, when given); the view that comes back names
    both models."""
    try:
        verdict = Vote(choice)
    except ValueError:
        raise InvalidInput(
            f"'{choice}' is not a vote.", hint=f"Vote one of: {', '.join(v.value for v in Vote)}."
        ) from None
    with session_scope() as session:
        played = _own_round(session, require_actor(actor), round_id, workshop_id)
        if played.vote is not None:
            raise InvalidInput("You already voted on this round.", hint="Send a new prompt for another round.")
        played.vote, played.voted_at = verdict.value, utcnow()
        session.add(played)
        return round_view(played)


def get_round(actor: Actor | None, round_id: int) -> RoundView:
    with session_scope() as session:
        return round_view(_own_round(session, require_actor(actor), round_id))


def my_rounds(actor: Actor | None, workshop_id: int) -> list[RoundView]:
    """The person's own rounds in this workshop, newest first (never anyone else's)."""
    with session_scope() as session:
        actor = _member(session, actor, workshop_id)
        query = (
            select(ArenaRound)
            .where(ArenaRound.workshop_id == workshop_id, ArenaRound.attendee_id == actor.id)
            .order_by(col(ArenaRound.id).desc())
        )
        return [round_view(played) for played in session.exec(query).all()]


def round_view(played: ArenaRound) -> RoundView:
    names = [played.model_a, played.model_b] if played.vote is not None else []
    return RoundView(played.id or 0, played.prompt, [played.reply_a, played.reply_b], played.vote, names)


def _arena_view(arena: Arena) -> ArenaView:
    return ArenaView(arena.workshop_id, list(arena.models), arena.is_open)


def find_arena(session: Session, workshop_id: int) -> Arena | None:
    return session.exec(select(Arena).where(Arena.workshop_id == workshop_id)).first()


def _open_arena(session: Session, workshop_id: int, *, must_be_open: bool = True) -> Arena:
    arena = find_arena(session, workshop_id)
    if arena is None or (must_be_open and not arena.is_open):
        raise NotFound("This workshop has no open arena.", hint="Ask your instructor to open one.")
    return arena


def _member(session: Session, actor: Actor | None, workshop_id: int) -> Actor:
    """Attendees of the workshop and the people who run it."""
    actor = require_actor(actor)
    load_workshop(session, actor, workshop_id, Action.READ)
    return actor


def _own_round(session: Session, actor: Actor, round_id: int, workshop_id: int | None = None) -> ArenaRound:
    played = session.get(ArenaRound, round_id)
    if played is None or played.attendee_id != actor.id or workshop_id not in (None, played.workshop_id):
        raise NotFound(f"Arena round {round_id} does not exist.", hint="Send a prompt to start a round.")
    return played
