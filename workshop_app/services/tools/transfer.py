"""Tool definitions as a JSON document, so instructors can hand a set of tools to a room."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.tools.definitions import ToolDefinition, check_definition
from workshop_app.services.tools.errors import InvalidDefinition

FORMAT = "workshop-tools"
VERSION = 1
MAX_IMPORT_CHARS = 1_000_000


def export_tools(tools: Iterable[ToolDefinition]) -> str:
    return json.dumps({"format": FORMAT, "version": VERSION, "tools": [tool.as_json() for tool in tools]}, indent=2)


def import_tools(text: str, allowlist: tuple[str, ...] | None = None) -> list[ToolDefinition]:
    """Every definition in an export (or a bare list, or a single definition), all checked.

    Nothing is returned unless every definition passes, and the error names each one
    that does not, so a partly broken file is fixed once rather than imported by halves.
    """
    if len(text) > MAX_IMPORT_CHARS:
        raise InvalidInput(f"The file is larger than {MAX_IMPORT_CHARS // 1000} KB.")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"This is not JSON: {error.msg} (line {error.lineno}).", hint="Import a file exported from the Tools page."
        ) from None
    entries = _entries(document)
    tools, problems = [], []
    for index, entry in enumerate(entries, start=1):
        try:
            tools.append(check_definition(entry, allowlist))
        except InvalidDefinition as error:
            label = entry.get("name") if isinstance(entry, dict) and entry.get("name") else f"#{index}"
            problems += [f"{label}: {problem}" for problem in error.problems]
    names = [tool.name for tool in tools]
    problems += [
        f"{name}: the name appears more than once." for name in sorted({n for n in names if names.count(n) > 1})
    ]
    if problems:
        raise InvalidDefinition(problems, hint="Fix these definitions in the file and import it again.")
    return tools


def _entries(document: Any) -> list[Any]:
    if isinstance(document, dict) and "tools" in document:
        if document.get("format", FORMAT) != FORMAT:
            raise InvalidInput(f"This file is not a {FORMAT} export.")
        document = document["tools"]
    entries = document if isinstance(document, list) else [document]
    if not entries:
        raise InvalidInput("The file holds no tools.")
    return entries
