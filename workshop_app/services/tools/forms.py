"""The tool editor's form: flat text fields in, a checked definition out, problems said per field.

People type the parameters as JSON text, so the form is checked in two steps: is it
JSON at all (with the line and column of the mistake), then is it a usable schema.
The editor shows the same messages live under the parameters box that saving would.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from workshop_app.db.ownership import Visibility
from workshop_app.db.tool_definitions import ToolRecord
from workshop_app.services.tools.builtins import BUILTINS
from workshop_app.services.tools.definitions import ToolKind, empty_parameters, schema_problems
from workshop_app.services.tools.errors import InvalidDefinition
from workshop_app.services.tools.store import create_tool, update_tool
from workshop_app.services.workshops.policy import Actor

STARTER_PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string", "description": "The city to look up."}},
    "required": ["city"],
}


@dataclass(frozen=True)
class ToolForm:
    """Every editor field as text, whatever the kind; the kind decides which ones count."""

    name: str = ""
    description: str = ""
    kind: str = ToolKind.MOCK.value
    builtin: str = "calculator"
    collection_id: str = ""
    method: str = "GET"
    url: str = ""
    response: str = ""
    parameters: str = json.dumps(STARTER_PARAMETERS, indent=2)
    visibility: str = Visibility.PRIVATE.value

    @classmethod
    def from_fields(cls, values: dict[str, str]) -> ToolForm:
        known = {f.name for f in fields(cls)}
        return cls(**{key: str(value) for key, value in values.items() if key in known})

    def as_fields(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class BuiltinChoice:
    key: str
    title: str
    description: str
    parameters: str
    needs_collection: bool


def builtin_choices() -> list[BuiltinChoice]:
    return [
        BuiltinChoice(b.key, b.title, b.description, json.dumps(b.parameters, indent=2), "collection_id" in b.settings)
        for b in BUILTINS.values()
    ]


def form_of(record: ToolRecord) -> ToolForm:
    """A saved tool, as the editor shows it."""
    implementation = record.implementation
    return ToolForm(
        name=record.name,
        description=record.description,
        kind=implementation["kind"],
        builtin=implementation.get("builtin", ToolForm.builtin),
        collection_id=str(implementation.get("collection_id", "")),
        method=implementation.get("method", ToolForm.method),
        url=implementation.get("url", ""),
        response=implementation.get("response", ""),
        parameters=json.dumps(record.parameters or empty_parameters(), indent=2),
        visibility=record.visibility,
    )


def parameters_feedback(text: str) -> list[str]:
    """What is wrong with the parameters text (empty: it is a usable schema)."""
    try:
        return schema_problems(_parse_parameters(text))
    except InvalidDefinition as error:
        return error.problems


def definition_of_form(form: ToolForm) -> dict[str, Any]:
    """The raw definition `check_definition` judges; InvalidDefinition if the parameters are not JSON."""
    implementation: dict[str, Any] = {"kind": form.kind}
    if form.kind == ToolKind.BUILTIN:
        implementation["builtin"] = form.builtin
        if form.collection_id.strip():
            implementation["collection_id"] = _whole_number(form.collection_id)
    elif form.kind == ToolKind.HTTP:
        implementation |= {"method": form.method, "url": form.url.strip()}
    else:
        implementation["response"] = form.response
    parameters = None if form.kind == ToolKind.BUILTIN else _parse_parameters(form.parameters)
    return {
        "name": form.name,
        "description": form.description,
        "parameters": parameters,
        "implementation": implementation,
    }


def save_form(actor: Actor | None, tool_id: int | None, form: ToolForm) -> ToolRecord:
    """Create (no `tool_id`) or update a tool from the editor; InvalidDefinition lists what to fix."""
    raw = definition_of_form(form)
    if tool_id:
        return update_tool(actor, tool_id, raw, form.visibility)
    return create_tool(actor, raw, form.visibility)


def _parse_parameters(text: str) -> Any:
    if not text.strip():
        return empty_parameters()
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidDefinition(
            [f"The parameters are not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."]
        ) from None


def _whole_number(text: str) -> int | str:
    """A number when it is one; otherwise the text, which the definition check then names."""
    return int(text) if text.strip().isdigit() else text
