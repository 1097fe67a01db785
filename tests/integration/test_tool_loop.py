"""The tool loop against the Ollama-speaking fake: scripted tool calls, real sockets, real NDJSON."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.collections import CORPUS, build_collection
from workshop_app.db.model_requests import Outcome
from workshop_app.db.users import Role
from workshop_app.services.core.errors import RateLimited
from workshop_app.services.ollama.errors import BackendError
from workshop_app.services.operations.metrics import recent_requests
from workshop_app.services.tools.context import ToolContext
from workshop_app.services.tools.definitions import ToolDefinition, check_definition
from workshop_app.services.tools.http_tool import HttpPolicy
from workshop_app.services.tools.loop import LoopEnded, ReplyText, TraceStep, run_tool_loop
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop

MODEL = "qwen2.5:0.5b"
CONTEXT = ToolContext(None, HttpPolicy(("localhost",), 2.0, 4096))
CALCULATOR = check_definition(
    {"name": "calc", "description": "Arithmetic.", "implementation": {"kind": "builtin", "builtin": "calculator"}}, ()
)
WEATHER = check_definition(
    {
        "name": "get_weather",
        "description": "Weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        "implementation": {"kind": "mock", "response": "It is sunny in {city}."},
    },
    (),
)


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Every round of the loop is a model request, recorded in the session database."""


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"function": {"name": name, "arguments": arguments}}


async def run(tools: list[ToolDefinition], question: str, **options: Any) -> tuple[list[Any], LoopEnded]:
    events = [
        event
        async for event in run_tool_loop(MODEL, [{"role": "user", "content": question}], tools, CONTEXT, **options)
    ]
    assert isinstance(events[-1], LoopEnded)
    return events, events[-1]


async def test_a_multi_step_loop_feeds_results_and_errors_back_until_the_model_answers(fake_ollama: FakeOllama) -> None:
    fake_ollama.script_chat(
        MODEL,
        [
            {"tool_calls": [call("calc", expr="17 * 23")]},  # wrong argument name
            {"tool_calls": [call("calc", expression="17 * 23"), call("get_weather", city="Oslo")]},
            {"content": "17 × 23 = 391, and it is sunny in Oslo."},
        ],
    )
    events, ended = await run([CALCULATOR, WEATHER], "What is 17*23, and the weather in Oslo?")

    trace = [event for event in events if isinstance(event, TraceStep)]
    assert [(step.round, step.tool, step.arguments) for step in trace] == [
        (1, "calc", {"expr": "17 * 23"}),
        (2, "calc", {"expression": "17 * 23"}),
        (2, "get_weather", {"city": "Oslo"}),
    ]
    assert "'expression' is a required property" in trace[0].error and not trace[0].result
    assert [(step.result, step.error) for step in trace[1:]] == [("391", ""), ("It is sunny in Oslo.", "")]
    assert all(step.duration_ms >= 0 for step in trace)
    assert ended.trace == trace and not ended.step_limit_reached and ended.note == ""
    assert (
        ended.reply
        == "".join(event.text for event in events if isinstance(event, ReplyText))
        == "17 × 23 = 391, and it is sunny in Oslo."
    )

    tool_messages = [message for message in ended.messages if message["role"] == "tool"]
    assert [(m["tool_name"], m["content"]) for m in tool_messages] == [
        ("calc", f"Error: {trace[0].error}"),
        ("calc", "391"),
        ("get_weather", "It is sunny in Oslo."),
    ]
    assert [m["role"] for m in ended.messages] == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "tool",
        "assistant",
    ]
    assert ended.messages[1]["tool_calls"] == [call("calc", expr="17 * 23")]


async def test_a_call_to_an_unknown_tool_is_answered_with_an_error(fake_ollama: FakeOllama) -> None:
    fake_ollama.script_chat(MODEL, [{"tool_calls": [call("rm_rf", path="/")]}, {"content": "Sorry."}])
    _, ended = await run([WEATHER], "Clean up")
    assert ended.trace[0].error == "There is no tool named 'rm_rf'; available: get_weather."
    assert ended.reply == "Sorry."


async def test_an_http_tool_aimed_at_the_server_itself_is_refused_inside_the_loop(fake_ollama: FakeOllama) -> None:
    spy = check_definition(
        {
            "name": "fetch",
            "description": "Fetch a page.",
            "implementation": {
                "kind": "http",
                "method": "GET",
                "url": f"{fake_ollama.url.replace('127.0.0.1', 'localhost')}/",
            },
        },
        ("localhost",),
    )
    fake_ollama.script_chat(MODEL, [{"tool_calls": [call("fetch")]}, {"content": "I could not fetch it."}])
    before = fake_ollama.stats.requests.get("/", 0)  # a path the platform's own health checks never ask for
    _, ended = await run([spy], "Which Ollama version runs there?")
    assert "resolves to a private or reserved address" in ended.trace[0].error
    assert fake_ollama.stats.requests.get("/", 0) == before
    assert ended.reply == "I could not fetch it."


async def test_the_loop_stops_after_the_step_limit(fake_ollama: FakeOllama) -> None:
    fake_ollama.script_chat(
        MODEL,
        [
            {"tool_calls": [call("calc", expression="1 + 1")]},
            {"tool_calls": [call("calc", expression="2 + 2")]},
            {"content": "never asked"},
        ],
    )
    _, ended = await run([CALCULATOR], "Count", max_steps=1)
    assert ended.step_limit_reached
    assert [(step.round, step.result, step.error) for step in ended.trace] == [
        (1, "2", ""),
        (2, "", "Not run: the limit of 1 rounds of tool calls was reached."),
    ]


async def test_an_answer_without_any_tool_call_says_the_model_chose_not_to_call_one(fake_ollama: FakeOllama) -> None:
    fake_ollama.script_chat(MODEL, [{"content": "Paris is the capital of France."}])
    events, ended = await run([CALCULATOR], "What is the capital of France?")
    assert not any(isinstance(event, TraceStep) for event in events)
    assert ended.reply == "Paris is the capital of France."
    assert ended.note.startswith("The model chose not to call a tool")


async def test_a_model_without_tool_support_is_reported_not_crashed(fake_ollama: FakeOllama) -> None:
    with pytest.raises(BackendError, match="does not support tools"):
        async for _ in run_tool_loop("llava:7b", [{"role": "user", "content": "hi"}], [CALCULATOR], CONTEXT):
            pass


async def test_search_a_collection_reads_as_the_person_chatting(
    fake_ollama: FakeOllama, migrated_database: str
) -> None:
    owner, stranger = actor_of(make_user(Role.ATTENDEE, "owner")), actor_of(make_user(Role.ATTENDEE, "stranger"))
    collection, _job = await build_collection(owner, CORPUS)
    search = check_definition(
        {
            "name": "search_notes",
            "description": "Search my notes.",
            "implementation": {"kind": "builtin", "builtin": "search_collection", "collection_id": collection.id},
        },
        (),
    )
    question = [{"role": "user", "content": "What can a llama carry?"}]
    for actor in (owner, stranger):
        fake_ollama.script_chat(
            MODEL,
            [
                {
                    "tool_calls": [
                        call(
                            "search_notes",
                            query="What can a llama carry as a pack animal over mountain trails?",
                            top_k=2,
                        )
                    ]
                },
                {"content": "Done."},
            ],
        )
        events = [event async for event in run_tool_loop(MODEL, question, [search], ToolContext.for_actor(actor))]
        step = next(event for event in events if isinstance(event, TraceStep))
        if actor is owner:
            assert step.result.startswith("[1] llamas.md (chunk 1, score ") and "\n\n[2] " in step.result
        else:
            assert step.error.startswith("You may not read this vector collection")


async def test_every_round_is_a_fair_share_request_of_the_person_chatting(fake_ollama: FakeOllama) -> None:
    instructor = make_user(Role.INSTRUCTOR, "teacher")
    workshop = create_workshop(actor_of(instructor), WorkshopDraft(title="Two a minute", requests_per_minute=2))
    attendee = actor_of(make_user(Role.ATTENDEE, "looper", workshop_id=workshop.id))
    fake_ollama.script_chat(
        MODEL,
        [
            {"tool_calls": [call("calc", expression="1 + 1")]},
            {"tool_calls": [call("calc", expression="2 + 2")]},
            {"content": "4"},
        ],
    )
    trace = []
    with pytest.raises(RateLimited, match="2 per minute"):
        async for event in run_tool_loop(
            MODEL, [{"role": "user", "content": "Count"}], [CALCULATOR], ToolContext.for_actor(attendee)
        ):
            trace += [event] if isinstance(event, TraceStep) else []
    assert [step.result for step in trace] == ["2", "4"]  # the third round was refused before reaching Ollama
    rows = [row for row in recent_requests(MODEL, limit=10) if row.user_id == attendee.id]
    assert [row.outcome for row in rows] == [Outcome.SUCCESS, Outcome.SUCCESS]
    assert all(row.completion_tokens > 0 for row in rows)
