"""Each kind of exercise check, passing and failing with a reason an attendee can act on; and save-time refusals."""

from __future__ import annotations

import time

import pytest

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.exercises import checks
from workshop_app.services.exercises.checks import (
    Attempt,
    Known,
    ToolCall,
    checked,
    checked_all,
    form_check,
    form_fields,
    run_check,
)

KNOWN = Known(tools={"get_weather"}, documents={"handbook.md"})
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def _check(raw: dict) -> dict:
    return checked(raw, 1, KNOWN)


def test_regex_passes_on_a_match_and_names_the_pattern_when_not() -> None:
    check = _check({"kind": "regex", "pattern": r"\b\d{4}\b"})
    assert run_check(check, Attempt("It was built in 1889.")).passed
    failed = run_check(check, Attempt("It is old."))
    assert not failed.passed and failed.reason == r"the reply does not match /\b\d{4}\b/"


def test_a_pattern_that_backtracks_without_end_fails_its_check_in_bounded_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "REGEX_TIMEOUT_S", 0.05)
    check = _check({"kind": "regex", "pattern": "(a|aa)+$"})
    started = time.perf_counter()
    failed = run_check(check, Attempt("a" * 60 + "!"))
    assert time.perf_counter() - started < 2
    assert not failed.passed and "took too long" in failed.reason


def test_contains_ignores_case_and_names_each_missing_word() -> None:
    check = _check({"kind": "contains", "words": "Paris, Seine ,Eiffel"})
    assert check["words"] == ["Paris", "Seine", "Eiffel"]
    assert run_check(check, Attempt("paris lies on the SEINE, home of the eiffel tower")).passed
    failed = run_check(check, Attempt("Paris is in France"))
    assert not failed.passed and failed.reason == "the reply lacks “Seine”, “Eiffel”"


def test_json_schema_passes_on_fitting_json_and_says_what_does_not_fit() -> None:
    check = _check({"kind": "json_schema", "schema": SCHEMA})
    assert run_check(check, Attempt('{"city": "Oslo"}')).passed
    assert run_check(check, Attempt("Echo: Oslo")).reason == "the reply is not JSON"
    failed = run_check(check, Attempt('{"town": "Oslo"}'))
    assert not failed.passed and "'city' is a required property" in failed.reason


def test_tool_call_checks_the_name_and_the_arguments_against_their_schema() -> None:
    check = _check({"kind": "tool_call", "tool": "get_weather", "schema": SCHEMA})
    assert run_check(check, Attempt("Sunny", [ToolCall("get_weather", {"city": "Oslo"})])).passed
    assert run_check(check, Attempt("Sunny", [ToolCall("get_weather", '{"city": "Oslo"}')])).passed
    not_called = run_check(check, Attempt("Sunny", [ToolCall("calculator", {"x": 1})]))
    assert not not_called.passed and not_called.reason == "get_weather was not called (called: calculator)"
    bad = run_check(check, Attempt("Sunny", [ToolCall("get_weather", {"city": 7})]))
    assert not bad.passed and bad.reason.startswith("get_weather was called, but its arguments do not fit: 7 is not")
    assert run_check(
        _check({"kind": "tool_call", "tool": "get_weather"}), Attempt("", [ToolCall("get_weather", {})])
    ).passed


def test_retrieved_document_names_what_was_retrieved_instead() -> None:
    check = _check({"kind": "retrieved_document", "document": "handbook.md"})
    assert run_check(check, Attempt("...", documents=["notes.txt", "handbook.md"])).passed
    failed = run_check(check, Attempt("...", documents=["notes.txt", "notes.txt"]))
    assert not failed.passed and failed.reason == "“handbook.md” was not retrieved (retrieved: notes.txt)"


def test_max_tokens_passes_at_the_limit_and_fails_above_or_when_unknown() -> None:
    check = _check({"kind": "max_tokens", "tokens": 20})
    assert run_check(check, Attempt("short", tokens=20)).passed
    assert run_check(check, Attempt("long", tokens=21)).reason == "the reply used 21 tokens, more than 20"
    assert not run_check(check, Attempt("stopped", tokens=None)).passed


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"kind": "regex", "pattern": "(unclosed"}, "Check 2 (regex): “(unclosed” is not a valid regular expression"),
        ({"kind": "json_schema", "schema": '{"type": 5}'}, "Check 2 (json_schema):"),
        ({"kind": "json_schema", "schema": "{not json"}, "Check 2 (json_schema): The schema is not valid JSON"),
        ({"kind": "tool_call", "tool": "launch_rocket"}, "Check 2 (tool_call): there is no tool named “launch_rocket”"),
        ({"kind": "retrieved_document", "document": "secret.pdf"}, "there is no document “secret.pdf”"),
        ({"kind": "max_tokens", "tokens": "many"}, "Check 2 (max_tokens): the token limit must be"),
        ({"kind": "contains", "words": " , "}, "Check 2 (contains): name 1 to"),
        ({"kind": "contains", "words": 5}, "Check 2 (contains): name 1 to"),
        ({"kind": "sentiment"}, "Check 2 has an unknown kind “sentiment”"),
    ],
)
def test_a_bad_check_is_refused_naming_the_check_and_the_problem(raw: dict, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_all([{"kind": "contains", "words": ["ok"]}, raw], KNOWN)
    assert message in refused.value.message


def test_an_exercise_without_checks_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one check"):
        checked_all([], KNOWN)


@pytest.mark.parametrize(
    "raw",
    [
        {"kind": "regex", "pattern": "^a+$"},
        {"kind": "contains", "words": ["Paris", "Seine"]},
        {"kind": "json_schema", "schema": SCHEMA},
        {"kind": "tool_call", "tool": "get_weather", "schema": SCHEMA},
        {"kind": "tool_call", "tool": "get_weather"},
        {"kind": "retrieved_document", "document": "handbook.md"},
        {"kind": "max_tokens", "tokens": 50},
    ],
)
def test_a_kept_check_goes_back_into_the_form_and_comes_out_the_same(raw: dict) -> None:
    kept = _check(raw)
    assert _check(form_check(*form_fields(kept))) == kept
