"""The blind arena on the fake Ollama: a round streams two anonymous models as one turn, the vote reveals them."""

from __future__ import annotations

import time

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from workshop_app.db.users import Role
from workshop_app.services.arena import rounds
from workshop_app.services.arena.leaderboard import leaderboard, leaderboard_csv
from workshop_app.services.core.errors import Forbidden, InvalidInput, NotFound
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop
from workshop_app.settings import get_settings

MODELS = ["llama3.2:1b", "qwen2.5:0.5b"]


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    return None


@pytest.fixture
def room():
    instructor = actor_of(make_user(Role.INSTRUCTOR, "arena-teacher"))
    workshop = create_workshop(instructor, WorkshopDraft("Arena", allowed_models=tuple(MODELS)))
    attendee = actor_of(make_user(Role.ATTENDEE, "judge", workshop_id=workshop.id))
    neighbour = actor_of(make_user(Role.ATTENDEE, "neighbour", workshop_id=workshop.id))
    rounds.open_arena(instructor, workshop.id, MODELS)
    return instructor, workshop.id, attendee, neighbour


async def _play(actor, workshop_id: int, prompt: str) -> tuple[rounds.RoundView, list[str]]:
    started = rounds.start_round(actor, workshop_id, prompt)
    replies = ["", ""]
    async for update in rounds.play_round(actor, started.id):
        assert not update.error
        replies[update.index] += update.text
    return rounds.keep_replies(actor, started.id, replies), replies


async def test_both_models_answer_anonymously_and_the_vote_reveals_them(room, fake_ollama: FakeOllama) -> None:
    instructor, workshop_id, attendee, _ = room
    kept, replies = await _play(attendee, workshop_id, "Name a fruit")
    assert all(reply.startswith("Echo: Name a fruit") for reply in replies)
    assert fake_ollama.stats.requests["/api/chat"] == 2
    assert kept.models == [] and kept.vote is None
    assert rounds.get_round(attendee, kept.id).models == []
    voted = rounds.vote(attendee, kept.id, "a")
    assert sorted(voted.models) == sorted(MODELS) and voted.vote == "a"
    [winner, loser] = leaderboard(instructor, workshop_id)
    assert (winner.model, winner.votes, winner.wins, loser.losses) == (voted.models[0], 1, 1, 1)
    assert winner.low <= winner.score <= winner.high
    lines = leaderboard_csv(instructor, workshop_id).splitlines()
    assert lines[0].startswith("rank,model,score,low_95,high_95,votes")
    assert lines[1].startswith(f"1,{voted.models[0]},")


async def test_both_columns_stream_at_once_as_one_turn(
    room, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One request per person is the default limit, yet both columns overlap: the round is one action."""
    monkeypatch.setenv("WORKSHOP_OLLAMA_PARALLELISM", "2")
    get_settings.cache_clear()
    fake_ollama.config.reply_tokens = 10
    fake_ollama.config.token_delay = 0.03
    _, workshop_id, attendee, _ = room
    started = rounds.start_round(attendee, workshop_id, "Count to ten")
    first: dict[int, float] = {}
    finished: dict[int, float] = {}
    async for update in rounds.play_round(attendee, started.id):
        if update.text:
            first.setdefault(update.index, time.perf_counter())
        if update.finished:
            assert not update.error
            finished[update.index] = time.perf_counter()
    assert first[0] < finished[1] and first[1] < finished[0], (first, finished)


async def test_one_vote_per_round_and_only_known_votes(room, fake_ollama: FakeOllama) -> None:
    _, workshop_id, attendee, _ = room
    kept, _ = await _play(attendee, workshop_id, "Hello")
    with pytest.raises(InvalidInput, match="not a vote"):
        rounds.vote(attendee, kept.id, "c")
    rounds.vote(attendee, kept.id, "tie")
    with pytest.raises(InvalidInput, match="already voted"):
        rounds.vote(attendee, kept.id, "b")
    assert rounds.get_round(attendee, kept.id).vote == "tie"


async def test_another_attendees_round_is_not_visible(room, fake_ollama: FakeOllama) -> None:
    instructor, workshop_id, attendee, neighbour = room
    kept, _ = await _play(attendee, workshop_id, "My secret question")
    for other in (neighbour, instructor):
        with pytest.raises(NotFound):
            rounds.get_round(other, kept.id)
        with pytest.raises(NotFound):
            rounds.vote(other, kept.id, "a")
        assert all(r.prompt != "My secret question" for r in rounds.my_rounds(other, workshop_id))
    assert [r.prompt for r in rounds.my_rounds(attendee, workshop_id)] == ["My secret question"]


def test_an_arena_needs_two_of_the_workshops_models(room) -> None:
    instructor, workshop_id, attendee, _ = room
    with pytest.raises(InvalidInput, match="at least 2 different models"):
        rounds.open_arena(instructor, workshop_id, ["llama3.2:1b", "llama3.2:1b"])
    with pytest.raises(InvalidInput, match="does not use mistral:7b"):
        rounds.open_arena(instructor, workshop_id, ["llama3.2:1b", "mistral:7b"])
    with pytest.raises(Forbidden):
        rounds.open_arena(attendee, workshop_id, MODELS)
    with pytest.raises(Forbidden):
        leaderboard(attendee, workshop_id)
    assert rounds.get_arena(attendee, workshop_id) == rounds.ArenaView(workshop_id, MODELS, True)


def test_a_closed_arena_takes_no_new_rounds(room) -> None:
    instructor, workshop_id, attendee, _ = room
    rounds.close_arena(instructor, workshop_id)
    with pytest.raises(NotFound, match="no open arena"):
        rounds.start_round(attendee, workshop_id, "Hi")
