"""Tool definitions are checked when saved: identifier names, real JSON Schemas, complete implementations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.tools.builtins import BUILTINS
from workshop_app.services.tools.clock import now_in
from workshop_app.services.tools.context import ToolContext
from workshop_app.services.tools.definitions import check_definition
from workshop_app.services.tools.errors import InvalidDefinition, ToolFailed
from workshop_app.services.tools.execute import argument_problems, run_tool
from workshop_app.services.tools.http_tool import HttpPolicy
from workshop_app.services.tools.transfer import export_tools, import_tools
from workshop_app.services.tools.units import convert

CITY = {"type": "object", "properties": {"city": {"type": "string", "minLength": 2}}, "required": ["city"]}
CONTEXT = ToolContext(None, HttpPolicy(("api.example.com",), 1.0, 1024))


def weather(**changes: Any) -> dict[str, Any]:
    raw = {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": CITY,
        "implementation": {"kind": "mock", "response": "It is sunny in {city}."},
    }
    return {**raw, **changes}


def problems_of(raw: dict[str, Any], allowlist: tuple[str, ...] = ("api.example.com",)) -> list[str]:
    with pytest.raises(InvalidDefinition) as caught:
        check_definition(raw, allowlist)
    return caught.value.problems


def test_a_complete_definition_is_offered_to_the_model_in_ollamas_shape() -> None:
    tool = check_definition(weather(), ())
    assert tool.for_model() == {
        "type": "function",
        "function": {"name": "get_weather", "description": "Current weather in a city.", "parameters": CITY},
    }


@pytest.mark.parametrize("name", ["get weather", "1st", "get-weather", "", "x" * 65, "wetter_ü"])
def test_the_name_must_be_an_identifier(name: str) -> None:
    assert any("identifier" in problem for problem in problems_of(weather(name=name)))


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"type": "objekt"}, "not a valid JSON Schema at type"),
        ({"type": "object", "properties": {"city": {"type": 5}}}, "not a valid JSON Schema at properties/city/type"),
        ({"type": "object", "required": "city"}, "not a valid JSON Schema at required"),
        ({"type": "string"}, '"type": "object"'),
        ({"type": "object", "properties": {}, "required": ["city"]}, "Required parameters city are not among"),
        ({"type": "object", "properties": {"the city": {"type": "string"}}}, "'the city' is not an identifier"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_the_parameters_must_be_a_valid_object_schema(parameters: Any, expected: str) -> None:
    assert any(expected in problem for problem in problems_of(weather(parameters=parameters)))


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(weather(name="bad name", description="", parameters={"type": "string"}))
    assert len(problems) == 3


def test_a_template_may_only_use_defined_parameters() -> None:
    raw = weather(implementation={"kind": "mock", "response": "It is sunny in {town}."})
    assert problems_of(raw) == ["The response uses town, which the parameters do not define."]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.example.com/weather?city={city}", None),
        ("https://{city}.example.com/", "host part of the URL cannot contain"),
        ("ftp://api.example.com/{city}", "http:// or https://"),
        ("https://user:pw@api.example.com/{city}", "user name or password"),
        ("https://evil.example.org/{city}", "not on the list of hosts"),
        ("https://api.example.com/{town}", "uses town"),
    ],
)
def test_an_http_tool_needs_an_allowed_fixed_host(url: str, expected: str | None) -> None:
    raw = weather(implementation={"kind": "http", "method": "GET", "url": url})
    if expected is None:
        assert check_definition(raw, ("api.example.com",)).implementation["url"] == url
    else:
        assert any(expected in problem for problem in problems_of(raw))


def test_a_builtin_brings_its_own_parameters() -> None:
    tool = check_definition(
        weather(
            name="calc", parameters={"type": "object"}, implementation={"kind": "builtin", "builtin": "calculator"}
        ),
        (),
    )
    assert tool.parameters == BUILTINS["calculator"].parameters
    assert problems_of(weather(implementation={"kind": "builtin", "builtin": "shell"}))[0].startswith(
        "Unknown built-in"
    )
    search = {"kind": "builtin", "builtin": "search_collection"}
    assert problems_of(weather(implementation=search)) == [
        "The built-in search_collection needs collection_id (a positive whole number)."
    ]
    assert check_definition(weather(implementation={**search, "collection_id": 7, "stray": 1}), ()).implementation == {
        **search,
        "collection_id": 7,
    }


def test_there_is_no_kind_that_runs_code() -> None:
    assert (
        "kind must be one of builtin, http, mock"
        in problems_of(weather(implementation={"kind": "python", "code": "print(1)"}))[0]
    )


def test_arguments_are_checked_against_the_schema() -> None:
    tool = check_definition(weather(), ())
    assert argument_problems(tool, {"city": "Oslo"}) == []
    assert argument_problems(tool, {}) == ["arguments: 'city' is a required property"]
    assert argument_problems(tool, {"city": "O"}) == ["city: 'O' is too short"]
    assert argument_problems(tool, ["Oslo"]) == ["the arguments must be a JSON object, not list"]


async def test_a_mock_tool_answers_from_its_template() -> None:
    tool = check_definition(weather(), ())
    assert await run_tool(tool, {"city": "Oslo"}, CONTEXT) == "It is sunny in Oslo."
    with pytest.raises(ToolFailed, match="Invalid arguments: arguments: 'city' is a required property"):
        await run_tool(tool, {}, CONTEXT)


async def test_a_template_reaches_only_whole_values() -> None:
    tool = check_definition(weather(implementation={"kind": "mock", "response": "{city.__class__} {city}"}), ())
    assert await run_tool(tool, {"city": "Oslo"}, CONTEXT) == "{city.__class__} Oslo"


async def test_builtins_run_through_the_same_path() -> None:
    calculator = check_definition(
        {"name": "calc", "description": "Math.", "implementation": {"kind": "builtin", "builtin": "calculator"}}, ()
    )
    units = check_definition(
        {"name": "units", "description": "Units.", "implementation": {"kind": "builtin", "builtin": "convert_units"}},
        (),
    )
    assert await run_tool(calculator, {"expression": "6 * 7"}, CONTEXT) == "42"
    assert await run_tool(units, {"value": 5, "from_unit": "km", "to_unit": "mi"}, CONTEXT) == "5 km = 3.10685596119 mi"
    with pytest.raises(ToolFailed, match="'parsec' is not one of"):
        await run_tool(units, {"value": 5, "from_unit": "parsec", "to_unit": "m"}, CONTEXT)


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (100, "C", "F", "100 C = 212 F"),
        (-40, "F", "C", "-40 F = -40 C"),
        (0, "K", "C", "0 K = -273.15 C"),
        (1, "lb", "g", "1 lb = 453.59237 g"),
        (1, "gal", "l", "1 gal = 3.785411784 l"),
        (12, "in", "ft", "12 in = 1 ft"),
    ],
)
def test_units_convert_within_a_quantity(value: float, source: str, target: str, expected: str) -> None:
    assert convert(value, source, target) == expected


@pytest.mark.parametrize(
    ("value", "source", "target", "message"),
    [
        (1, "kg", "m", "Cannot convert mass"),
        (1, "furlong", "m", "Unknown unit"),
        (-300, "C", "K", "below absolute zero"),
    ],
)
def test_impossible_conversions_say_why(value: float, source: str, target: str, message: str) -> None:
    with pytest.raises(ToolFailed, match=message):
        convert(value, source, target)


def test_the_clock_speaks_iana_time_zones() -> None:
    instant = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert now_in("Asia/Tokyo", instant) == "Wednesday 2026-07-01 21:00:00 JST (Asia/Tokyo, UTC+09:00)"
    assert now_in("America/New_York", instant).startswith("Wednesday 2026-07-01 08:00:00 EDT")
    with pytest.raises(ToolFailed, match="Unknown time zone 'Mars/Olympus'"):
        now_in("Mars/Olympus", instant)


def test_export_then_import_gives_back_the_same_tools() -> None:
    tools = [
        check_definition(weather(), ()),
        check_definition(
            {"name": "calc", "description": "Math.", "implementation": {"kind": "builtin", "builtin": "calculator"}}, ()
        ),
    ]
    assert import_tools(export_tools(tools), ()) == tools


def test_an_import_is_all_or_nothing_and_names_each_broken_tool() -> None:
    document = {"format": "workshop-tools", "version": 1, "tools": [weather(), weather(name="bad name"), weather()]}
    with pytest.raises(InvalidDefinition) as caught:
        import_tools(json.dumps(document), ())
    assert any(problem.startswith("bad name: The name must be an identifier") for problem in caught.value.problems)
    assert "get_weather: the name appears more than once." in caught.value.problems


def test_an_import_that_is_not_json_says_so() -> None:
    with pytest.raises(InvalidInput, match="This is not JSON"):
        import_tools("{nope", ())
