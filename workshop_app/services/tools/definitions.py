"""A tool definition as saved, exported and offered to a model, and the checks it passes first.

A definition is checked as a whole when saved or imported, so a broken one never
reaches a model: the name is an identifier, the parameters are a valid JSON Schema for
an object, and the implementation is one of the three safe kinds with what it needs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from workshop_app.services.tools import http_tool
from workshop_app.services.tools.builtins import BUILTINS
from workshop_app.services.tools.errors import InvalidDefinition
from workshop_app.services.tools.templates import placeholders
from workshop_app.settings import get_settings

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_DESCRIPTION_CHARS = 1000
MAX_SCHEMA_CHARS = 16_000
MAX_SCHEMA_DEPTH = 32  # objects within objects; far beyond any useful tool, well within the checker's recursion
MAX_MOCK_CHARS = 8000


class ToolKind(StrEnum):
    BUILTIN = "builtin"
    HTTP = "http"
    MOCK = "mock"


@dataclass(frozen=True)
class ToolDefinition:
    """A checked definition; `implementation` holds `kind` plus that kind's fields."""

    name: str
    description: str
    parameters: dict[str, Any]
    implementation: dict[str, Any]

    @property
    def kind(self) -> ToolKind:
        return ToolKind(self.implementation["kind"])

    def for_model(self) -> dict[str, Any]:
        """The tool as Ollama's `tools` list expects it."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def as_json(self) -> dict[str, Any]:
        """The portable form used by export and import."""
        return {
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
            "implementation": self.implementation,
        }


def empty_parameters() -> dict[str, Any]:
    return {"type": "object", "properties": {}, "required": []}


def schema_problems(schema: Any) -> list[str]:
    """Why `schema` cannot describe a tool's arguments (empty: it can)."""
    if not isinstance(schema, dict):
        return ["The parameters must be a JSON object (a JSON Schema)."]
    if _nesting(schema) > MAX_SCHEMA_DEPTH:
        return [f"The parameters schema is nested deeper than {MAX_SCHEMA_DEPTH} levels."]
    if len(json.dumps(schema)) > MAX_SCHEMA_CHARS:
        return [f"The parameters schema is longer than {MAX_SCHEMA_CHARS} characters."]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        where = "/".join(str(part) for part in error.path) or "the top level"
        return [f"The parameters are not a valid JSON Schema at {where}: {error.message}"]
    if schema.get("type") != "object":
        return ['The parameters must describe an object: "type": "object" at the top level.']
    properties = schema.get("properties", {})
    problems = [f"Parameter name {name!r} is not an identifier." for name in properties if not NAME.fullmatch(name)]
    missing = [name for name in schema.get("required", []) if name not in properties]
    if missing:
        problems.append(f"Required parameters {', '.join(missing)} are not among the properties.")
    return problems


def _nesting(value: Any) -> int:
    """How deeply objects and lists nest in `value`, counted without recursion (the checker itself recurses)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in children)
    return deepest


def check_definition(raw: Mapping[str, Any], allowlist: tuple[str, ...] | None = None) -> ToolDefinition:
    """The definition, normalized; InvalidDefinition lists every problem at once."""
    if not isinstance(raw, Mapping):
        raise InvalidDefinition(["A tool definition must be a JSON object."])
    name = str(raw.get("name") or "").strip()
    description = str(raw.get("description") or "").strip()
    parameters = raw.get("parameters") or empty_parameters()
    implementation = raw.get("implementation")
    problems = []
    if not NAME.fullmatch(name):
        problems.append(
            "The name must be an identifier: letters, digits and _, not starting with a digit, at most 64 characters."
        )
    if not description:
        problems.append("The description is required: it is how the model decides when to call the tool.")
    elif len(description) > MAX_DESCRIPTION_CHARS:
        problems.append(f"The description is longer than {MAX_DESCRIPTION_CHARS} characters.")
    if not isinstance(implementation, Mapping) or implementation.get("kind") not in set(ToolKind):
        problems.append(f"The implementation kind must be one of {', '.join(ToolKind)}.")
        raise InvalidDefinition(problems)
    implementation = dict(implementation)
    if implementation["kind"] == ToolKind.BUILTIN:
        builtin = BUILTINS.get(str(implementation.get("builtin")))
        if builtin is None:
            problems.append(f"Unknown built-in tool; choose one of {', '.join(BUILTINS)}.")
        else:
            parameters = builtin.parameters  # the built-in's code reads exactly these
            problems += [
                f"The built-in {builtin.key} needs {setting} (a positive whole number)."
                for setting in builtin.settings
                if not _positive_int(implementation.get(setting))
            ]
    else:
        problems += schema_problems(parameters)
    if not problems:
        problems += _implementation_problems(implementation, set(parameters.get("properties", {})), allowlist)
    if problems:
        raise InvalidDefinition(problems)
    return ToolDefinition(name, description, parameters, _tidy(implementation))


def _implementation_problems(
    implementation: dict[str, Any], parameter_names: set[str], allowlist: tuple[str, ...] | None
) -> list[str]:
    if implementation["kind"] == ToolKind.HTTP:
        hosts = allowlist if allowlist is not None else tuple(get_settings().tool_http_allowlist)
        return http_tool.config_problems(implementation, parameter_names, hosts)
    if implementation["kind"] == ToolKind.MOCK:
        response = implementation.get("response")
        if not isinstance(response, str) or not response.strip():
            return ["A mock tool needs a response, e.g. It is sunny in {city}."]
        if len(response) > MAX_MOCK_CHARS:
            return [f"The mock response is longer than {MAX_MOCK_CHARS} characters."]
        unknown = placeholders(response) - parameter_names
        if unknown:
            return [f"The response uses {', '.join(sorted(unknown))}, which the parameters do not define."]
    return []


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _tidy(implementation: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the kind uses, so stored and exported definitions carry nothing stray."""
    kind = ToolKind(implementation["kind"])
    if kind == ToolKind.BUILTIN:
        fields = ("builtin", *BUILTINS[implementation["builtin"]].settings)
    else:
        fields = ("method", "url") if kind == ToolKind.HTTP else ("response",)
    return {"kind": kind.value, **{field: implementation[field] for field in fields}}
