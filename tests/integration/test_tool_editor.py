"""What the Tools pages rely on: the editor's form, the list with edit rights, the models offered, a run as a person."""

from __future__ import annotations

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user, unique_name
from tests.support.host_checks import hosts_checked
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden, InvalidInput
from workshop_app.services.tools import store
from workshop_app.services.tools.errors import InvalidDefinition
from workshop_app.services.tools.forms import ToolForm, form_of, parameters_feedback, save_form
from workshop_app.services.tools.loop import LoopEnded, TraceStep
from workshop_app.services.tools.playground import ask_with_tools, tool_models
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.lifecycle import WorkshopDraft

MODEL = "qwen2.5:0.5b"


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Every test here reads and writes the session database."""


def tool_name() -> str:
    return unique_name("tool").replace("-", "_")


def test_the_parameters_box_says_where_the_json_breaks_and_what_the_schema_lacks() -> None:
    assert parameters_feedback('{"type": "object",\n "properties": {') == [
        "The parameters are not valid JSON: Expecting property name enclosed in double quotes at line 2, column 17."
    ]
    assert parameters_feedback('{"type": "array"}') == [
        'The parameters must describe an object: "type": "object" at the top level.'
    ]
    assert parameters_feedback('{"type": "object", "properties": {"n": {"type": "integer", "minimum": "zero"}}}')[
        0
    ].startswith("The parameters are not a valid JSON Schema at properties/n/minimum")
    assert parameters_feedback(ToolForm().parameters) == []
    assert parameters_feedback("") == []  # an empty box means "no arguments"


def test_a_form_saves_edits_and_reads_back_as_it_was_typed() -> None:
    person = actor_of(make_user(Role.ATTENDEE, "editor"))
    form = ToolForm(name=tool_name(), description="Weather in a city.", response="It is sunny in {city}.")
    record = save_form(person, None, form)
    assert form_of(record) == form

    changed = ToolForm(
        **{**form.as_fields(), "kind": "builtin", "builtin": "calculator", "parameters": "not even JSON"}
    )
    updated = save_form(person, record.id, changed)
    assert (updated.id, updated.implementation) == (record.id, {"kind": "builtin", "builtin": "calculator"})
    assert set(updated.parameters["properties"]) == {"expression"}  # a built-in brings its own parameters


def test_every_problem_of_a_form_is_listed_and_nothing_is_saved() -> None:
    person = actor_of(make_user(Role.ATTENDEE, "sloppy"))
    with pytest.raises(InvalidDefinition) as refused:
        save_form(person, None, ToolForm(name="2fast", description="", response="Hi {who}"))
    assert refused.value.problems[:2] == [
        "The name must be an identifier: letters, digits and _, not starting with a digit, at most 64 characters.",
        "The description is required: it is how the model decides when to call the tool.",
    ]
    with pytest.raises(InvalidDefinition, match="needs collection_id"):
        save_form(
            person,
            None,
            ToolForm(
                name=tool_name(),
                description="Search.",
                kind="builtin",
                builtin="search_collection",
                collection_id="abc",
            ),
        )
    with pytest.raises(InvalidDefinition, match="not valid JSON"):
        save_form(person, None, ToolForm(name=tool_name(), description="Weather.", response="Sunny.", parameters="{"))
    assert store.list_tools(person) == []


def test_the_list_says_which_tools_a_person_may_change() -> None:
    teacher = actor_of(make_user(Role.INSTRUCTOR, "teacher"))
    workshop = workshops.create_workshop(teacher, WorkshopDraft("Tools day"))
    alice, bob = (actor_of(make_user(Role.ATTENDEE, name, workshop_id=workshop.id)) for name in ("alice", "bob"))
    shared = save_form(
        alice, None, ToolForm(name=tool_name(), description="Weather.", response="Sunny.", visibility="workshop")
    )
    private = save_form(alice, None, ToolForm(name=tool_name(), description="Weather.", response="Sunny."))

    assert {(s.id, s.editable) for s in store.tool_summaries(alice)} == {(shared.id, True), (private.id, True)}
    assert [(s.id, s.kind, s.visibility, s.editable) for s in store.tool_summaries(bob)] == [
        (shared.id, "mock", "workshop", False)
    ]
    with pytest.raises(Forbidden):
        save_form(bob, shared.id, ToolForm(name=shared.name, description="Mine now.", response="Rain."))


async def test_only_models_that_can_call_tools_are_offered(fake_ollama: FakeOllama) -> None:
    everyone = actor_of(make_user(Role.ATTENDEE, "free"))
    await hosts_checked()
    # Not llava, not the embedders, not plain completion:
    assert (await tool_models(everyone)).names == ["llama3.2:1b", "qwen2.5:0.5b", "qwen3:0.6b"]
    teacher = actor_of(make_user(Role.INSTRUCTOR, "teacher"))
    workshop = workshops.create_workshop(teacher, WorkshopDraft("One model", allowed_models=(MODEL,)))
    inside = actor_of(make_user(Role.ATTENDEE, "inside", workshop_id=workshop.id))
    assert (await tool_models(inside)).names == [MODEL]


async def test_while_ollama_is_away_the_tool_models_say_it_is_reconnecting(fake_ollama: FakeOllama) -> None:
    fake_ollama.refuse_connections()
    offered = await tool_models(actor_of(make_user(Role.ATTENDEE, "waiting")))
    assert offered.names == [] and offered.reconnecting
    assert f"Ollama at {fake_ollama.url} is not answering right now; reconnecting" in offered.notice
    assert "No model that can call tools" not in offered.notice


async def test_a_question_runs_with_the_persons_tools_and_continues_the_conversation(fake_ollama: FakeOllama) -> None:
    alice, mallory = actor_of(make_user(Role.ATTENDEE, "alice")), actor_of(make_user(Role.ATTENDEE, "mallory"))
    calculator = save_form(
        alice, None, ToolForm(name=tool_name(), description="Arithmetic.", kind="builtin", builtin="calculator")
    )
    fake_ollama.script_chat(
        MODEL,
        [
            {"tool_calls": [{"function": {"name": calculator.name, "arguments": {"expression": "6 * 7"}}}]},
            {"content": "42."},
            {"content": "You asked about 6 × 7."},
        ],
    )
    events = [event async for event in ask_with_tools(alice, MODEL, [calculator.id], [], "What is 6 times 7?")]
    assert [(e.tool, e.result) for e in events if isinstance(e, TraceStep)] == [(calculator.name, "42")]
    first = events[-1]
    assert isinstance(first, LoopEnded) and first.reply == "42."

    follow_up = [
        event async for event in ask_with_tools(alice, MODEL, [calculator.id], first.messages, "What did I ask?")
    ]
    assert follow_up[-1].reply == "You asked about 6 × 7."
    assert [m["role"] for m in follow_up[-1].messages] == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
        "assistant",
    ]

    with pytest.raises(Forbidden):
        [_ async for _ in ask_with_tools(mallory, MODEL, [calculator.id], [], "Borrow alice's tool")]
    with pytest.raises(InvalidInput, match="Pick at least one tool"):
        [_ async for _ in ask_with_tools(alice, MODEL, [], [], "No tools")]
