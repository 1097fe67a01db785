"""Exercises on the fake Ollama: authoring refusals, submissions of real chat replies and RAG answers, who sees
what, the progress board, the model answer, and the workshop bundle."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.collections import CORPUS, build_collection
from workshop_app.db.users import Role
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.core.errors import Forbidden, InvalidInput, NotFound
from workshop_app.services.exercises import authoring, board, submissions
from workshop_app.services.exercises.authoring import ExerciseDraft
from workshop_app.services.rag.documents import upload_many
from workshop_app.services.rag.history import answer_and_keep
from workshop_app.services.rag.systems import RagSpec, create_rag_system, prepare
from workshop_app.services.tools import store
from workshop_app.services.workshops.bundles import export_bundle, import_uploaded
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop
from workshop_app.services.workshops.policy import Actor

MODEL = "qwen2.5:0.5b"
REPLY_SCHEMA = {"type": "object", "properties": {"reply": {"type": "string"}}, "required": ["reply"]}
CHECKS = [{"kind": "contains", "words": ["echo"]}, {"kind": "json_schema", "schema": REPLY_SCHEMA}]
WEATHER = {
    "name": "get_weather",
    "description": "Weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "implementation": {"kind": "mock", "response": "It is sunny in {city}."},
}


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Exercises, chats and submissions live in the session database."""


@dataclass
class Room:
    instructor: Actor
    workshop_id: int
    attendee: Actor
    neighbour: Actor


@pytest.fixture
def room() -> Room:
    instructor = actor_of(make_user(Role.INSTRUCTOR, "ex-teacher"))
    workshop = create_workshop(instructor, WorkshopDraft("Exercises"))
    attendee = actor_of(make_user(Role.ATTENDEE, "Ada", workshop_id=workshop.id))
    neighbour = actor_of(make_user(Role.ATTENDEE, "Bob", workshop_id=workshop.id))
    return Room(instructor, workshop.id, attendee, neighbour)


def _write(room: Room, checks: list | None = None, **fields) -> authoring.ExerciseView:
    draft = ExerciseDraft(
        fields.pop("title", "Answer in JSON"), "Reply with **JSON**.", CHECKS if checks is None else checks, **fields
    )
    return authoring.create_exercise(room.instructor, room.workshop_id, draft)


async def _chat(actor: Actor, text: str, chat_id: int | None = None, **settings) -> int:
    chat_id = chats.send_message(actor, chat_id, ChatSettings(MODEL, **settings), text)
    [_ async for _ in chats.stream_chat_reply(actor, chat_id)]
    return chat_id


@pytest.mark.parametrize(
    ("checks", "named"),
    [
        ([{"kind": "regex", "pattern": "[a-"}], "Check 1 (regex): “[a-” is not a valid regular expression"),
        ([{"kind": "contains", "words": ["x"]}, {"kind": "json_schema", "schema": {"type": "nope"}}], "Check 2"),
        ([], "at least one check"),
        ([{"kind": "tool_call", "tool": "get_weather"}], "no tool named “get_weather”"),
        ([{"kind": "retrieved_document", "document": "llamas.md"}], "no document “llamas.md”"),
    ],
)
def test_a_bad_exercise_is_refused_by_name_and_nothing_is_stored(room: Room, checks: list, named: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        _write(room, checks)
    assert named in refused.value.message
    assert authoring.list_exercises(room.instructor, room.workshop_id) == []


def test_checks_may_name_the_instructors_tools_and_documents(room: Room) -> None:
    store.create_tool(room.instructor, WEATHER)
    upload_many(room.instructor, [("llamas.md", CORPUS["llamas.md"])])
    checks = [{"kind": "tool_call", "tool": "get_weather"}, {"kind": "retrieved_document", "document": "llamas.md"}]
    saved = _write(room, checks)
    assert saved.check_labels == ["The model called get_weather", "Retrieved chunks include “llamas.md”"]
    with pytest.raises(InvalidInput, match="no prompt 999"):
        _write(room, start_kind="prompt", start_id=999)


def test_attendees_cannot_author_reveal_or_see_the_board(room: Room) -> None:
    exercise = _write(room, model_answer='{"reply": "echo"}')
    draft = ExerciseDraft("Mine", checks=CHECKS)
    with pytest.raises(Forbidden):
        authoring.create_exercise(room.attendee, room.workshop_id, draft)
    with pytest.raises(Forbidden):
        authoring.update_exercise(room.attendee, exercise.id, draft)
    with pytest.raises(Forbidden):
        authoring.reveal_answer(room.attendee, exercise.id, True)
    with pytest.raises(Forbidden):
        authoring.exercise_to_edit(room.attendee, exercise.id)
    assert authoring.exercise_to_edit(room.instructor, exercise.id).model_answer == '{"reply": "echo"}'
    with pytest.raises(Forbidden):
        board.progress_board(room.attendee, room.workshop_id)
    outsider = actor_of(make_user(Role.ATTENDEE, "outsider"))
    with pytest.raises(Forbidden):
        authoring.list_exercises(outsider, room.workshop_id)


def test_the_model_answer_reaches_attendees_only_once_revealed(room: Room) -> None:
    exercise = _write(room, model_answer='{"reply": "echo"}')
    [seen] = authoring.list_exercises(room.attendee, room.workshop_id)
    assert (seen.model_answer, seen.answer_revealed, seen.can_edit) == ("", False, False)
    assert authoring.list_exercises(room.instructor, room.workshop_id)[0].model_answer == '{"reply": "echo"}'
    authoring.reveal_answer(room.instructor, exercise.id, True)
    assert authoring.list_exercises(room.attendee, room.workshop_id)[0].model_answer == '{"reply": "echo"}'


async def test_a_real_chat_reply_fails_with_a_reason_then_passes_and_the_board_counts_attempts(
    room: Room, fake_ollama: FakeOllama
) -> None:
    exercise = _write(room)
    chat_id = await _chat(room.attendee, "Say hello")
    first = submissions.submit_latest_chat_reply(room.attendee, exercise.id, chat_id)
    assert [(r.label, r.passed, r.reason) for r in first.results] == [
        ("Reply contains “echo”", True, ""),
        ("Reply is JSON that fits the schema", False, "the reply is not JSON"),
    ]
    assert (first.passed, first.attempt) == (False, 1) and first.reply.startswith("Echo: Say hello")
    progress = board.progress_board(room.instructor, room.workshop_id)
    assert [(row.attendee, row.cells[0].progress, row.cells[0].attempts) for row in progress.rows] == [
        ("Ada (" + room.attendee.username + ")", "trying", 1),
        ("Bob (" + room.neighbour.username + ")", "not started", 0),
    ]

    await _chat(room.attendee, "Now in JSON", chat_id, schema=json.dumps(REPLY_SCHEMA))
    second = submissions.submit_latest_chat_reply(room.attendee, exercise.id, chat_id)
    assert second.passed and second.attempt == 2 and all(r.passed for r in second.results)
    progress = board.progress_board(room.instructor, room.workshop_id)
    assert progress.exercises == ["Answer in JSON"]
    assert (progress.rows[0].cells[0].progress, progress.rows[0].cells[0].attempts) == ("passed", 2)
    assert [s.attempt for s in submissions.my_submissions(room.attendee, exercise.id)] == [2, 1]


async def test_attendees_see_only_their_own_attempts_and_submit_only_their_own_replies(
    room: Room, fake_ollama: FakeOllama
) -> None:
    exercise = _write(room)
    chat_id = await _chat(room.attendee, "Mine")
    submitted = submissions.submit_latest_chat_reply(room.attendee, exercise.id, chat_id)
    assert submissions.my_submissions(room.neighbour, exercise.id) == []
    with pytest.raises(NotFound):
        submissions.submit(room.neighbour, exercise.id, submitted.source)
    with pytest.raises(InvalidInput, match="names no reply"):
        submissions.submit(room.attendee, exercise.id, f"chat_message:{2**31}")
    with pytest.raises(InvalidInput, match="no chat open"):
        submissions.submit_latest_chat_reply(room.neighbour, exercise.id, chat_id)
    with pytest.raises(Forbidden, match="Only attendees"):
        submissions.submit(room.instructor, exercise.id, submitted.source)
    assert [c.source for c in submissions.recent_sources(room.attendee)] == [submitted.source]
    assert submissions.recent_sources(room.neighbour) == []


async def test_tool_calls_and_token_counts_of_a_kept_reply_are_checked(room: Room, fake_ollama: FakeOllama) -> None:
    store.create_tool(room.instructor, WEATHER)
    arguments = {"type": "object", "properties": {"city": {"const": "Oslo"}}, "required": ["city"]}
    checks = [{"kind": "tool_call", "tool": "get_weather", "schema": arguments}, {"kind": "max_tokens", "tokens": 3}]
    exercise = _write(room, checks)
    tool = store.create_tool(room.attendee, WEATHER)
    calls = [{"tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Bergen"}}}]}]
    fake_ollama.script_chat(MODEL, [*calls, {"content": "Sunny in Bergen, as the tool said."}])
    chat_id = await _chat(room.attendee, "Weather?", tool_ids=(tool.id,))
    result = submissions.submit_latest_chat_reply(room.attendee, exercise.id, chat_id)
    tool_result, tokens = result.results
    assert not tool_result.passed and "arguments do not fit: 'Oslo' was expected (at city)" in tool_result.reason
    assert not tokens.passed and tokens.reason.startswith("the reply used ") and "more than 3" in tokens.reason


async def test_a_rag_answer_is_checked_for_the_document_its_chunks_came_from(
    room: Room, fake_ollama: FakeOllama
) -> None:
    upload_many(room.instructor, [(name, CORPUS[name]) for name in ("llamas.md", "chess.txt")])
    checks = [{"kind": "retrieved_document", "document": "llamas.md"}]
    exercise = _write(room, checks)
    collection, _job = await build_collection(room.attendee, CORPUS)
    system_id = create_rag_system(room.attendee, RagSpec("Helper", MODEL, [collection.id], top_k=1)).id
    verdicts = []
    for question in ("What can a llama carry as a pack animal?", "How do knights move in chess?"):
        system, inspection = await prepare(room.attendee, system_id, question)
        [_ async for _ in answer_and_keep(room.attendee, system, inspection)]
        [choice, *_] = [c for c in submissions.recent_sources(room.attendee) if c.source.startswith("rag_answer")]
        verdicts.append(submissions.submit(room.attendee, exercise.id, choice.source).results[0])
    latest = submissions.submit_latest_rag_answer(room.attendee, exercise.id, system_id)  # the RAG page's button
    assert latest.source == choice.source and latest.attempt == 3
    with pytest.raises(InvalidInput, match="no answer from this RAG system"):
        submissions.submit_latest_rag_answer(room.neighbour, exercise.id, system_id)
    assert verdicts[0].passed
    assert not verdicts[1].passed and verdicts[1].reason == "“llamas.md” was not retrieved (retrieved: chess.txt)"


async def test_exercises_travel_in_the_workshop_bundle(room: Room, fake_ollama: FakeOllama) -> None:
    store.create_tool(room.instructor, WEATHER)
    checks = [*CHECKS, {"kind": "tool_call", "tool": "get_weather"}]
    _write(room, checks, start_kind="tool", start_id=store.list_tools(room.instructor)[0].id, model_answer="{}")
    exported = export_bundle(room.instructor, room.workshop_id)
    assert exported.counts["exercises"] == 1
    other = actor_of(make_user(Role.INSTRUCTOR, "next-year"))
    store.create_tool(other, WEATHER)  # the imported tool is renamed; the check follows it
    imported = import_uploaded(other, exported.filename, exported.data)
    assert imported.counts["exercises"] == 1
    [copy] = authoring.list_exercises(actor_of(make_user(Role.ADMIN, "admin")), imported.workshop_id)
    assert copy.title == "Answer in JSON" and copy.model_answer == "{}"
    assert copy.checks[:2] == [{"kind": "contains", "words": ["echo"]}, {"kind": "json_schema", "schema": REPLY_SCHEMA}]
    assert copy.checks[2] == {"kind": "tool_call", "tool": "get_weather_2", "schema": None}
    assert copy.start_label == "Tool: get_weather_2"
