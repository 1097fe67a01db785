"""Tool calling for models whose chat template has no tool section (SmolLM2's has none).

llama.cpp drops `tools` silently for such templates, so the engine renders them itself, in
the widely used <tools>/<tool_call> form: the offered functions go into the system message,
earlier calls and tool results become text the model can read, and `<tool_call>{…}</tool_call>`
in the reply is parsed back into Ollama's `tool_calls`.

Teaching option: with `tool_choice: "required"` (a request option or a model parameter) and the
user's turn last, the reply is constrained by a JSON schema to one valid call of one offered
tool, so even a tiny model shows the whole tool loop. After a tool result the tools leave the
prompt and a grammar keeps the reply to words (no tags, no JSON), which ends the loop.
"""

from __future__ import annotations

import json
import re
from typing import Any

from workshop_app.engine.options import BadRequest

OPEN, CLOSE = "<tool_call>", "</tool_call>"
WORDS_ONLY = "root ::= [^<{]*"
"""A llama.cpp grammar for the teaching answer after a tool result: words, never a call in tags or JSON."""
_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)

_INSTRUCTIONS = """# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{tools}
</tools>

For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{{"name": <function-name>, "arguments": <args-json-object>}}
</tool_call>"""


def _functions(tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise BadRequest("invalid tools: expected a list")
    functions = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise BadRequest("invalid tools: each tool needs a function with a name")
        functions.append(function)
    return functions


def _arguments(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _call_text(function: dict[str, Any]) -> str:
    call = {"name": function["name"], "arguments": _arguments(function.get("arguments", {}))}
    return f"{OPEN}\n{json.dumps(call)}\n{CLOSE}"


def render(messages: list[dict[str, Any]], tools: Any, system: str) -> list[dict[str, Any]]:
    """Plain chat messages (role + text) the model's own template can show, tools included.

    Tool results become one user turn that restates the question: small models otherwise
    echo the result's markup or call the tool again instead of answering.
    """
    functions = _functions(tools) if tools else []
    rendered: list[dict[str, Any]] = []
    results: list[str] = []
    question = ""

    def flush() -> None:
        if results:
            answer = f"\n\nUsing this result, answer: {question}"
            rendered.append({"role": "user", "content": "\n".join(results) + answer})
            results.clear()

    for message in messages:
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise BadRequest("invalid message: each needs a role")
        role, content = message["role"], message.get("content") or ""
        if not isinstance(content, str):
            raise BadRequest("invalid message content: expected a string")
        if role == "tool":
            name = message.get("tool_name") or message.get("name") or "the tool"
            results.append(f"Tool result from {name}: {content}")
            continue
        flush()
        if role == "user":
            question = content
        if role == "assistant" and message.get("tool_calls"):
            calls = [_call_text(call["function"]) for call in message["tool_calls"]]
            content = "\n".join(filter(None, [content, *calls]))
        rendered.append({"role": role, "content": content})
    flush()
    has_system = bool(rendered) and rendered[0]["role"] == "system"
    if system and not has_system:
        rendered.insert(0, {"role": "system", "content": system})
        has_system = True
    if functions:
        listed = "\n".join(json.dumps({"type": "function", "function": function}) for function in functions)
        section = _INSTRUCTIONS.format(tools=listed)
        if has_system:
            rendered[0] = {"role": "system", "content": rendered[0]["content"] + "\n\n" + section}
        else:
            rendered.insert(0, {"role": "system", "content": section})
    return rendered


def forced_call_schema(tools: Any) -> dict[str, Any]:
    """A JSON schema whose every valid instance is a call of one offered tool."""
    choices = []
    for function in _functions(tools):
        parameters = function.get("parameters") or {"type": "object"}
        choices.append(
            {
                "type": "object",
                "properties": {"name": {"const": function["name"]}, "arguments": parameters},
                "required": ["name", "arguments"],
            }
        )
    return choices[0] if len(choices) == 1 else {"oneOf": choices}


def parse(text: str, tools: Any, forced: bool) -> tuple[str, list[dict[str, Any]]]:
    """Split a reply into its visible text and Ollama tool_calls for the offered tools."""
    names = {function["name"] for function in _functions(tools)} if tools else set()
    bodies = [text.strip()] if forced else _CALL.findall(text)
    calls = []
    for body in bodies:
        try:
            data = json.loads(body)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("name") in names:
            arguments = _arguments(data.get("arguments", {}))
            arguments = arguments if isinstance(arguments, dict) else {}
            calls.append({"function": {"name": data["name"], "arguments": arguments}})
    if forced and calls:
        return "", calls
    visible = text.split(OPEN, 1)[0].rstrip() if calls else text
    return visible, calls


def held_back(text: str) -> int:
    """How many trailing characters might be the start of "<tool_call>" and must wait."""
    for size in range(min(len(OPEN) - 1, len(text)), 0, -1):
        if OPEN.startswith(text[-size:]):
            return size
    return 0
