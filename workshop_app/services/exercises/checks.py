"""The checks an exercise runs on a submission: pure functions over what was submitted.

A check is kept as a JSON object with a `kind` (see `CheckKind`) and its own fields.
`checked` validates one as an instructor saves it, naming what is wrong; `run_checks`
judges an `Attempt` and says, per check, whether it passed and if not, why.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import regex

from workshop_app.services.chat.reply_modes import parse_schema, schema_verdict
from workshop_app.services.core.errors import InvalidInput

MAX_PATTERN_CHARS = 500
MAX_WORDS = 20
MAX_CHECKS = 10
REGEX_TIMEOUT_S = 0.5  # a pattern that backtracks without end fails its check instead of holding up the app


class CheckKind(StrEnum):
    REGEX = "regex"  # `pattern`: the reply matches it (re.search)
    CONTAINS = "contains"  # `words`: the reply contains each, case-insensitive
    JSON_SCHEMA = "json_schema"  # `schema`: the reply is JSON valid for it
    TOOL_CALL = "tool_call"  # `tool` (+ optional `schema` for its arguments): the model called it
    RETRIEVED_DOCUMENT = "retrieved_document"  # `document`: a retrieved chunk came from this document title
    MAX_TOKENS = "max_tokens"  # `tokens`: the reply used at most this many tokens


@dataclass(frozen=True)
class ToolCall:
    tool: str
    arguments: Any


@dataclass(frozen=True)
class Attempt:
    """What a submission offers the checks: the reply and what led to it."""

    reply: str
    tool_calls: Sequence[ToolCall] = ()
    documents: Sequence[str] = ()  # titles of the documents the retrieved chunks came from
    tokens: int | None = None  # the reply's token count (Ollama's eval_count), when known


@dataclass(frozen=True)
class CheckResult:
    label: str
    passed: bool
    reason: str = ""  # why not, when it failed

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "passed": self.passed, "reason": self.reason}


@dataclass(frozen=True)
class Known:
    """What the workshop's checks may name: its tools and its documents' titles."""

    tools: Collection[str] = field(default_factory=frozenset)
    documents: Collection[str] = field(default_factory=frozenset)


def checked(raw: Any, number: int, known: Known) -> dict[str, Any]:
    """One check as kept, or InvalidInput that names the check (by its number) and what is wrong with it."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"Check {number} is not an object with a `kind`.")
    try:
        kind = CheckKind(str(raw.get("kind", "")))
    except ValueError:
        kinds = ", ".join(k.value for k in CheckKind)
        raise InvalidInput(
            f"Check {number} has an unknown kind “{raw.get('kind')}”.", hint=f"Use one of: {kinds}."
        ) from None
    try:
        return {"kind": kind.value, **_FIELDS[kind](raw, known)}
    except InvalidInput as error:
        raise InvalidInput(f"Check {number} ({kind.value}): {error.message}", hint=error.hint or None) from None


def checked_all(raws: Sequence[Any], known: Known) -> list[dict[str, Any]]:
    if not raws:
        raise InvalidInput("An exercise needs at least one check.", hint="Add a check the submission must pass.")
    if len(raws) > MAX_CHECKS:
        raise InvalidInput(f"An exercise may have at most {MAX_CHECKS} checks.")
    return [checked(raw, number, known) for number, raw in enumerate(raws, start=1)]


def _regex(raw: dict[str, Any], _known: Known) -> dict[str, Any]:
    pattern = str(raw.get("pattern", ""))
    if not pattern or len(pattern) > MAX_PATTERN_CHARS:
        raise InvalidInput(f"the pattern must have 1 to {MAX_PATTERN_CHARS} characters.")
    try:
        regex.compile(pattern)
    except regex.error as error:
        raise InvalidInput(f"“{pattern}” is not a valid regular expression ({error}).") from None
    return {"pattern": pattern}


def _contains(raw: dict[str, Any], _known: Known) -> dict[str, Any]:
    given = raw.get("words", [])
    listed = given.split(",") if isinstance(given, str) else [str(w) for w in given] if isinstance(given, list) else []
    words = [w.strip() for w in listed if w.strip()]
    if not words or len(words) > MAX_WORDS:
        raise InvalidInput(f"name 1 to {MAX_WORDS} words the reply must contain.")
    return {"words": words}


def _schema(value: Any, required: bool) -> dict[str, Any] | None:
    text = value if isinstance(value, str) else json.dumps(value) if value else ""
    schema = parse_schema(text)
    if schema is None and required:
        raise InvalidInput("the schema is empty.", hint="Paste a JSON schema.")
    return schema


def _json_schema(raw: dict[str, Any], _known: Known) -> dict[str, Any]:
    return {"schema": _schema(raw.get("schema"), required=True)}


def _tool_call(raw: dict[str, Any], known: Known) -> dict[str, Any]:
    tool = str(raw.get("tool", "")).strip()
    if tool not in known.tools:
        raise InvalidInput(f"there is no tool named “{tool}” in this workshop.", hint="Name one of your tools.")
    return {"tool": tool, "schema": _schema(raw.get("schema"), required=False)}


def _retrieved_document(raw: dict[str, Any], known: Known) -> dict[str, Any]:
    document = str(raw.get("document", "")).strip()
    if document not in known.documents:
        raise InvalidInput(f"there is no document “{document}” in this workshop.", hint="Name one of your documents.")
    return {"document": document}


def _max_tokens(raw: dict[str, Any], _known: Known) -> dict[str, Any]:
    try:
        tokens = int(raw.get("tokens", 0))
    except (TypeError, ValueError):
        tokens = 0
    if tokens < 1:
        raise InvalidInput("the token limit must be a whole number of 1 or more.")
    return {"tokens": tokens}


_FIELDS = {
    CheckKind.REGEX: _regex,
    CheckKind.CONTAINS: _contains,
    CheckKind.JSON_SCHEMA: _json_schema,
    CheckKind.TOOL_CALL: _tool_call,
    CheckKind.RETRIEVED_DOCUMENT: _retrieved_document,
    CheckKind.MAX_TOKENS: _max_tokens,
}


def describe(check: dict[str, Any]) -> str:
    """The check in a few words, as attendees and the board read it."""
    kind = check["kind"]
    if kind == CheckKind.REGEX:
        return f"Reply matches /{check['pattern']}/"
    if kind == CheckKind.CONTAINS:
        return "Reply contains " + ", ".join(f"“{w}”" for w in check["words"])
    if kind == CheckKind.JSON_SCHEMA:
        return "Reply is JSON that fits the schema"
    if kind == CheckKind.TOOL_CALL:
        return f"The model called {check['tool']}" + (" with fitting arguments" if check.get("schema") else "")
    if kind == CheckKind.RETRIEVED_DOCUMENT:
        return f"Retrieved chunks include “{check['document']}”"
    return f"Reply uses at most {check['tokens']} tokens"


def run_check(check: dict[str, Any], attempt: Attempt) -> CheckResult:
    return CheckResult(describe(check), *_verdict(check, attempt))


def run_checks(checks: Sequence[dict[str, Any]], attempt: Attempt) -> list[CheckResult]:
    return [run_check(check, attempt) for check in checks]


def _verdict(check: dict[str, Any], attempt: Attempt) -> tuple[bool, str]:
    kind = check["kind"]
    if kind == CheckKind.REGEX:
        return _regex_verdict(check["pattern"], attempt.reply)
    if kind == CheckKind.CONTAINS:
        missing = [w for w in check["words"] if w.lower() not in attempt.reply.lower()]
        return not missing, "" if not missing else "the reply lacks " + ", ".join(f"“{w}”" for w in missing)
    if kind == CheckKind.JSON_SCHEMA:
        problem = schema_verdict(check["schema"], attempt.reply)
        return not problem, problem
    if kind == CheckKind.TOOL_CALL:
        return _tool_verdict(check, attempt)
    if kind == CheckKind.RETRIEVED_DOCUMENT:
        found = check["document"] in attempt.documents
        seen = ", ".join(dict.fromkeys(attempt.documents)) or "nothing"
        return found, "" if found else f"“{check['document']}” was not retrieved (retrieved: {seen})"
    if attempt.tokens is None:
        return False, "the reply's token count is unknown (it did not finish)"
    fits = attempt.tokens <= check["tokens"]
    return fits, "" if fits else f"the reply used {attempt.tokens} tokens, more than {check['tokens']}"


def _regex_verdict(pattern: str, reply: str) -> tuple[bool, str]:
    try:
        found = regex.search(pattern, reply, timeout=REGEX_TIMEOUT_S) is not None
    except TimeoutError:
        return False, f"/{pattern}/ took too long on this reply (ask your instructor to simplify the pattern)"
    return found, "" if found else f"the reply does not match /{pattern}/"


def _tool_verdict(check: dict[str, Any], attempt: Attempt) -> tuple[bool, str]:
    calls = [call for call in attempt.tool_calls if call.tool == check["tool"]]
    if not calls:
        called = ", ".join(dict.fromkeys(c.tool for c in attempt.tool_calls)) or "no tool"
        return False, f"{check['tool']} was not called (called: {called})"
    schema = check.get("schema")
    if not schema:
        return True, ""
    problems = [_arguments_problem(schema, call.arguments) for call in calls]
    if "" in problems:
        return True, ""
    return False, f"{check['tool']} was called, but its arguments do not fit: {problems[0]}"


def _arguments_problem(schema: dict[str, Any], arguments: Any) -> str:
    """Arguments arrive as an object (Ollama) or as JSON text (some models); both are judged as JSON."""
    return schema_verdict(schema, arguments if isinstance(arguments, str) else json.dumps(arguments))


_FORM_FIELD: dict[str, str] = {
    CheckKind.REGEX: "pattern",
    CheckKind.CONTAINS: "words",
    CheckKind.JSON_SCHEMA: "schema",
    CheckKind.TOOL_CALL: "tool",
    CheckKind.RETRIEVED_DOCUMENT: "document",
    CheckKind.MAX_TOKENS: "tokens",
}


def form_check(kind: str, value: str, extra: str = "") -> dict[str, Any]:
    """A check as a form gives it (a kind, one text field, and for a tool call its arguments' schema)."""
    raw: dict[str, Any] = {"kind": kind, _FORM_FIELD.get(kind, "value"): value}
    return {**raw, "schema": extra} if kind == CheckKind.TOOL_CALL else raw


def form_fields(check: dict[str, Any]) -> tuple[str, str, str]:
    """A kept check back in the form's three fields, for editing: `form_check` of them gives it again."""
    kind = check["kind"]
    value = check[_FORM_FIELD[kind]]
    if kind == CheckKind.TOOL_CALL:
        return kind, value, json.dumps(check["schema"]) if check.get("schema") else ""
    text = (
        ", ".join(value)
        if kind == CheckKind.CONTAINS
        else json.dumps(value)
        if kind == CheckKind.JSON_SCHEMA
        else str(value)
    )
    return kind, text, ""
