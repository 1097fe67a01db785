"""OpenAI chat requests in Ollama's terms, as Ollama's own /v1 translates them.

Tool calls carry their arguments as objects and tool results are named by their tool
(OpenAI names them by call id); `tool_choice` "required" becomes the option of that name
(the built-in engine constrains the reply to a call), a named function narrows the tools
to it and requires it, "none" sends no tools; `response_format` becomes `format`
("json" or the schema); `reasoning_effort` (or `reasoning.effort`) becomes `think` (a
level, or false for "none"); image parts (data URLs only: the gateway fetches nothing)
become the message's base64 `images`.
"""

from __future__ import annotations

import json
from typing import Any

from workshop_app.services.core.errors import InvalidInput


def from_openai(body: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI chat request (as api/gateway_schemas hands it over) as an Ollama /api/chat body."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    names: dict[Any, Any] = {}
    converted = [_message(message, names) for message in messages]
    options = dict(body.get("options") or {})
    ollama = {**body, "messages": converted, "options": options}
    _choose_tools(ollama, body.get("tool_choice"))
    _format(ollama, body.get("response_format"))
    _think(ollama, body.get("reasoning_effort") or (body.get("reasoning") or {}).get("effort"))
    for openai_only in ("tool_choice", "response_format", "reasoning_effort", "reasoning", "stream_options"):
        ollama.pop(openai_only, None)
    return ollama


def _message(message: Any, names: dict[Any, Any]) -> Any:
    if not isinstance(message, dict):
        return message
    message = dict(message)
    if message.get("tool_calls"):
        message["tool_calls"] = [_ollama_call(call, names) for call in message["tool_calls"]]
        message["content"] = message.get("content") or ""
    if message.get("role") == "tool" and "tool_call_id" in message:
        name = names.get(message.pop("tool_call_id"))
        if name:
            message["tool_name"] = name
    if message.get("images"):
        message["images"] = [_base64_of(url) for url in message["images"]]
    return message


def _ollama_call(call: Any, names: dict[Any, Any]) -> dict[str, Any]:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise InvalidInput("Each of `tool_calls` needs a function with a name.")
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments or "{}")
        except ValueError:
            raise InvalidInput(f"The arguments of the call to {function['name']} are not JSON.") from None
    names[call.get("id")] = function["name"]
    return {"function": {"name": function["name"], "arguments": arguments}}


def _base64_of(url: str) -> str:
    """The base64 payload of a `data:image/...;base64,` URL."""
    head, _, payload = url.partition(",")
    if not (head.startswith("data:") and head.endswith(";base64")) or not payload:
        raise InvalidInput(
            "An image part must be a base64 data URL (data:image/png;base64,...).",
            hint="The gateway does not fetch images from the web: read the file and send its bytes.",
        )
    return payload


def _choose_tools(body: dict[str, Any], choice: Any) -> None:
    if choice == "none":
        body.pop("tools", None)
    elif choice == "required":
        body["options"]["tool_choice"] = "required"
    elif isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        chosen = [tool for tool in body.get("tools") or [] if (tool.get("function") or {}).get("name") == name]
        if not chosen:
            raise InvalidInput(f"`tool_choice` names {name!r}, which is not one of `tools`.")
        body["tools"], body["options"]["tool_choice"] = chosen, "required"


def _format(body: dict[str, Any], response_format: Any) -> None:
    kind = (response_format or {}).get("type")
    if kind == "json_object":
        body["format"] = "json"
    elif kind == "json_schema":
        schema = ((response_format or {}).get("json_schema") or {}).get("schema")
        if not isinstance(schema, dict):
            raise InvalidInput("`response_format.json_schema.schema` must be a JSON schema (an object).")
        body["format"] = schema


def _think(body: dict[str, Any], effort: Any) -> None:
    if effort == "none":
        body["think"] = False
    elif effort:
        body["think"] = effort
