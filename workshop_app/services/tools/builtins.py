"""The built-in tools: fixed code on the server, each with the parameters it needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from workshop_app.services.tools.calculator import calculate, format_number
from workshop_app.services.tools.clock import now_in
from workshop_app.services.tools.context import ToolContext
from workshop_app.services.tools.units import UNITS, convert


@dataclass(frozen=True)
class Builtin:
    key: str
    title: str
    description: str
    parameters: dict[str, Any]
    run: Callable[[Mapping[str, Any], ToolContext], Awaitable[str]]


async def _calculator(arguments: Mapping[str, Any], _context: ToolContext) -> str:
    return format_number(calculate(arguments["expression"]))


async def _clock(arguments: Mapping[str, Any], _context: ToolContext) -> str:
    return now_in(arguments.get("timezone", "UTC"))


async def _units(arguments: Mapping[str, Any], _context: ToolContext) -> str:
    return convert(arguments["value"], arguments["from_unit"], arguments["to_unit"])


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
                {"expression": {"type": "string", "description": "Numbers with + - * / // % ** ( ) and sqrt, log, sin, cos, pi, e."}},
                ["expression"],
            ),
            _calculator,
        ),
        Builtin(
            "current_time",
            "Current date and time",
            "Get the current date and time in a time zone.",
            _object({"timezone": {"type": "string", "description": "IANA time zone, e.g. Europe/Berlin; default UTC."}}, []),
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
    )
}
