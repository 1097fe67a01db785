"""Run one tool call: check its arguments against the tool's schema, then dispatch on the kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from workshop_app.services.tools import http_tool
from workshop_app.services.tools.builtins import BUILTINS
from workshop_app.services.tools.context import ToolContext
from workshop_app.services.tools.definitions import ToolDefinition, ToolKind
from workshop_app.services.tools.errors import ToolFailed
from workshop_app.services.tools.templates import fill

MAX_ARGUMENT_PROBLEMS = 5


def argument_problems(tool: ToolDefinition, arguments: Any) -> list[str]:
    """Why `arguments` do not fit the tool's schema, phrased for the model to correct (empty: they fit)."""
    if not isinstance(arguments, Mapping):
        return [f"the arguments must be a JSON object, not {type(arguments).__name__}"]
    errors = sorted(Draft202012Validator(tool.parameters).iter_errors(arguments), key=lambda error: list(error.path))
    return [
        f"{'/'.join(str(part) for part in error.path) or 'arguments'}: {error.message}"
        for error in errors[:MAX_ARGUMENT_PROBLEMS]
    ]


async def run_tool(tool: ToolDefinition, arguments: Mapping[str, Any], context: ToolContext) -> str:
    """The tool's result text for arguments that fit its schema; ToolFailed says why there is none."""
    problems = argument_problems(tool, arguments)
    if problems:
        raise ToolFailed(
            "Invalid arguments: " + "; ".join(problems) + ". Call the tool again with corrected arguments."
        )
    implementation = tool.implementation
    if tool.kind == ToolKind.BUILTIN:
        return await BUILTINS[implementation["builtin"]].run(arguments, implementation, context)
    if tool.kind == ToolKind.HTTP:
        return await http_tool.call(implementation, arguments, context.http)
    return fill(implementation["response"], arguments)
