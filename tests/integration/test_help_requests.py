"""Help requests: an attendee shares a chat or a RAG question; the workshop's instructor sees it and marks it done."""

from __future__ import annotations

import pytest

from tests.support.accounts import actor_of, make_user
from workshop_app.db.users import Role
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.core.errors import Forbidden, InvalidInput
from workshop_app.services.workshops import help_requests
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop

MODEL = "llama3.2:1b"


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    return None


@pytest.fixture
def room():
    instructor = actor_of(make_user(Role.INSTRUCTOR, "teacher"))
    workshop = create_workshop(instructor, WorkshopDraft("Help desk"))
    other = actor_of(make_user(Role.INSTRUCTOR, "other-teacher"))
    create_workshop(other, WorkshopDraft("Elsewhere"))
    attendee = actor_of(make_user(Role.ATTENDEE, "stuck", workshop_id=workshop.id))
    neighbour = actor_of(make_user(Role.ATTENDEE, "neighbour", workshop_id=workshop.id))
    return instructor, other, workshop.id, attendee, neighbour


def test_a_shared_chat_reaches_the_workshops_instructor_and_done_lowers_the_hand(room) -> None:
    instructor, other, workshop_id, attendee, neighbour = room
    chat_id = chats.send_message(attendee, None, ChatSettings(MODEL), "Why does my prompt loop forever?")
    hand = help_requests.ask_about_chat(attendee, chat_id)
    [raised] = help_requests.queue(instructor, workshop_id)
    assert (raised.id, raised.kind, raised.requester) == (hand.id, "chat", "Stuck")
    assert raised.shared == [{"role": "user", "content": "Why does my prompt loop forever?"}]
    assert help_requests.get_request(instructor, hand.id).title.startswith("Why does my prompt")
    for outsider in (other, neighbour):
        with pytest.raises(Forbidden):
            help_requests.get_request(outsider, hand.id)
        with pytest.raises(Forbidden):
            help_requests.mark_done(outsider, hand.id)
    with pytest.raises(Forbidden):
        help_requests.queue(other, workshop_id)
    with pytest.raises(Forbidden):
        chats.get_chat(instructor, chat_id)  # the chat itself stays private: only the shared copy is visible
    help_requests.mark_done(instructor, hand.id)
    assert help_requests.queue(instructor, workshop_id) == []
    assert help_requests.my_open_request(attendee) is None


def test_asking_again_while_the_hand_is_up_replaces_what_is_shared(room) -> None:
    instructor, _other, workshop_id, attendee, _neighbour = room
    help_requests.ask_about_rag(attendee, "Llama facts", "How much can a llama carry?", "30 kg.", ["llamas.txt #2"])
    help_requests.ask_about_rag(attendee, "Llama facts", "And an alpaca?", "Less.")
    [raised] = help_requests.queue(instructor, workshop_id)
    assert raised.kind == "rag" and "And an alpaca?" in raised.title
    assert [turn["content"] for turn in raised.shared] == ["And an alpaca?", "Less."]


def test_only_someones_own_chat_and_only_inside_a_workshop(room) -> None:
    _instructor, _other, _workshop_id, attendee, neighbour = room
    chat_id = chats.send_message(neighbour, None, ChatSettings(MODEL), "mine")
    with pytest.raises(Forbidden):
        help_requests.ask_about_chat(attendee, chat_id)
    loner = actor_of(make_user(Role.ATTENDEE, "loner"))
    with pytest.raises(InvalidInput, match="not in a workshop"):
        help_requests.ask_about_rag(loner, "RAG", "question?", "answer")
    with pytest.raises(InvalidInput, match="question first"):
        help_requests.ask_about_rag(attendee, "RAG", "  ", "")
