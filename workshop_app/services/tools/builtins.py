"""The built-in tools: fixed code on the server, each with the parameters it needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.rag.retrieval import search
from workshop_app.services.tools.calculator import calculate, format_number
from workshop_app.services.tools.clock import now_in
from workshop_app.services.tools.context import ToolContext
from workshop_app.services.tools.errors import ToolFailed
from workshop_app.services.tools.units import UNITS, convert

MAX_SEARCH_RESULTS = 10


@dataclass(frozen=True)
class Builtin:
    """`settings` are fixed when the tool is defined (not chosen by the model), e.g. which collection to search."""

    key: str
    title: str
    description: str
    parameters: dict[str, Any]
    run: Callable[[Mapping[str, Any], Mapping[str, Any], ToolContext], Awaitable[str]]
    settings: tuple[str, ...] = ()


async def _calculator(arguments: Mapping[str, Any], _settings: Mapping[str, Any], _context: ToolContext) -> str:
    return format_number(calculate(arguments["expression"]))


async def _clock(arguments: Mapping[str, Any], _settings: Mapping[str, Any], _context: ToolContext) -> str:
    return now_in(arguments.get("timezone", "UTC"))


async def _units(arguments: Mapping[str, Any], _settings: Mapping[str, Any], _context: ToolContext) -> str:
    return convert(arguments["value"], arguments["from_unit"], arguments["to_unit"])


async def _search(arguments: Mapping[str, Any], settings: Mapping[str, Any], context: ToolContext) -> str:
    """Nearest chunks of the configured collection, read as the person chatting (their access applies)."""
    try:
        result = await search(context.actor, settings["collection_id"], arguments["query"], arguments.get("top_k", 4))
    except WorkshopError as error:
        raise ToolFailed(error.message) from None
    if not result.hits:
        return "No matching passages."
    return "\n\n".join(
        f"[{number}] {hit.title} (chunk {hit.position + 1}, score {hit.score:.2f})\n{hit.text}"
        for number, hit in enumerate(result.hits, start=1)
    )


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


BUILTINS: dict[str, Builtin] = {
    builtin.key: builtin
    for builtin in (
        Builtin(
            "calculator",
            "Calculator",
            "Evaluate an arithmetic expression exactly, e.g. (17 * 23) / 4 or sqrt(2) ** 3.",
            _object(
                {
                    "expression": {
                        "type": "string",
                        "description": "Numbers with + - * / // % ** ( ) and sqrt, log, sin, cos, pi, e.",
                    }
                },
                ["expression"],
            ),
            _calculator,
        ),
        Builtin(
            "current_time",
            "Current date and time",
            "Get the current date and time in a time zone.",
            _object(
                {"timezone": {"type": "string", "description": "IANA time zone, e.g. Europe/Berlin; default UTC."}}, []
            ),
            _clock,
        ),
        Builtin(
            "convert_units",
            "Unit conversion",
            "Convert a value between units of length, mass, volume or temperature.",
            _object(
                {
                    "value": {"type": "number", "description": "The amount to convert."},
                    "from_unit": {"type": "string", "enum": UNITS, "description": "Unit of the value."},
                    "to_unit": {"type": "string", "enum": UNITS, "description": "Unit wanted."},
                },
                ["value", "from_unit", "to_unit"],
            ),
            _units,
        ),
        Builtin(
            "search_collection",
            "Search a collection",
            "Find passages in a document collection that answer a question.",
            _object(
                {
                    "query": {"type": "string", "description": "What to look for, in words."},
                    "top_k": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_SEARCH_RESULTS,
                        "description": "How many passages; default 4.",
                    },
                },
                ["query"],
            ),
            _search,
            settings=("collection_id",),
        ),
    )
}
