"""The tool loop: the model asks for tool calls, they run, their results go back, until it answers.

Follows Ollama's contract: tools are offered in the request's `tools` list, the model's
calls arrive as `message.tool_calls` with a JSON object of arguments, and each result
goes back as a `role: tool` message carrying `tool_name`. A call that cannot run (an
unknown tool, arguments that do not fit the schema, a tool that fails) is answered
with an error result, so the model can correct itself; the loop never crashes on it.
Every call is traced with its arguments, its result or error, and how long it took.
Each round is one model request on the fair-sharing path (rate limit, fair queue, daily
token quota, request record), exactly like a Playground message, and carries the reply's
other /api/chat fields (`think`, `format`) beside `tools`, so a thinking model reasons in
every round and the final answer fits the schema.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import asdict, dataclass, field
from typing import Any

from workshop_app.services.chat.replies import stream_reply_queued, validate_messages
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.scheduler import QueueUpdate
from workshop_app.services.tools.context import ToolContext
from workshop_app.services.tools.definitions import ToolDefinition
from workshop_app.services.tools.errors import ToolFailed
from workshop_app.services.tools.execute import run_tool
from workshop_app.settings import get_settings


@dataclass(frozen=True)
class TraceStep:
    """One tool call: in which round, what was called with what, and what came of it."""

    round: int
    tool: str
    arguments: Any
    result: str = ""
    error: str = ""
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error

    def as_message(self) -> dict[str, Any]:
        """The `role: tool` message that carries this result back to the model."""
        return {"role": "tool", "tool_name": self.tool, "content": self.result if self.ok else f"Error: {self.error}"}

    def as_dict(self) -> dict[str, Any]:
        """The step as kept with a saved reply."""
        return asdict(self)

    @classmethod
    def from_dict(cls, saved: Mapping[str, Any]) -> TraceStep:
        return cls(**{name: saved[name] for name in cls.__dataclass_fields__ if name in saved})


@dataclass(frozen=True)
class ReplyText:
    """A piece of the model's reply text (or of its reasoning, asked for with `think`), streamed as it arrives."""

    text: str
    thinking: str = ""


@dataclass(frozen=True)
class LoopEnded:
    """The model's final answer (or where the loop stopped), with the whole conversation."""

    reply: str
    messages: list[dict[str, Any]]
    trace: list[TraceStep] = field(default_factory=list)
    step_limit_reached: bool = False

    @property
    def note(self) -> str:
        """What a person should know about how the loop ended, beyond the answer itself."""
        if self.step_limit_reached:
            return "The loop stopped at the step limit; the model's last calls were not run."
        if not self.trace:
            return "The model chose not to call a tool: this answer is its own, without any tool's result."
        return ""


LoopEvent = QueueUpdate | ReplyText | TraceStep | LoopEnded


async def run_tool_loop(
    model: str,
    messages: list[dict[str, Any]],
    tools: Sequence[ToolDefinition],
    context: ToolContext,
    *,
    max_steps: int | None = None,
    options: dict[str, Any] | None = None,
    backends: tuple[OllamaBackend, ...] | None = None,
    client_ip: str | None = None,
    extras: Mapping[str, Any] | None = None,
) -> AsyncGenerator[LoopEvent, None]:
    """Chat with tools for up to `max_steps` rounds of calls (default: WORKSHOP_TOOL_MAX_STEPS).

    Yields queue positions while a round waits for its turn, reply text as it streams,
    each traced call as it finishes, and a final LoopEnded. After the last allowed round
    the model is asked once more; calls it still makes then are traced as not run and
    the loop ends with `step_limit_reached`.
    """
    validate_messages(model, messages)
    by_name = _by_name(tools)
    limit = max_steps if max_steps is not None else get_settings().tool_max_steps
    offered = [tool.for_model() for tool in tools] or None
    user_id = context.actor.id if context.actor else None
    history = list(messages)
    trace: list[TraceStep] = []
    for round_number in range(1, limit + 2):
        content, calls = "", []
        round_events = stream_reply_queued(
            model, history, options, backends, user_id=user_id, client_ip=client_ip, tools=offered, extras=extras
        )
        async with aclosing(round_events) as stream:
            async for chunk in stream:
                if isinstance(chunk, QueueUpdate):
                    yield chunk
                    continue
                if chunk.content or chunk.thinking:
                    content += chunk.content
                    yield ReplyText(chunk.content, chunk.thinking)
                calls += chunk.tool_calls
        history.append({"role": "assistant", "content": content, **({"tool_calls": calls} if calls else {})})
        if not calls:
            yield LoopEnded(content, history, trace)
            return
        for call in calls:
            if round_number > limit:
                step = TraceStep(
                    round_number,
                    _call_name(call),
                    _call_arguments(call),
                    error=f"Not run: the limit of {limit} rounds of tool calls was reached.",
                )
            else:
                step = await _run_call(call, by_name, context, round_number)
                history.append(step.as_message())
            trace.append(step)
            yield step
    yield LoopEnded(content, history, trace, step_limit_reached=True)


def _by_name(tools: Sequence[ToolDefinition]) -> dict[str, ToolDefinition]:
    by_name = {tool.name: tool for tool in tools}
    if len(by_name) != len(tools):
        raise InvalidInput("Two of the chosen tools have the same name.", hint="Pick only one tool of each name.")
    return by_name


async def _run_call(
    call: dict[str, Any], tools: dict[str, ToolDefinition], context: ToolContext, round_number: int
) -> TraceStep:
    name, arguments = _call_name(call), _call_arguments(call)
    started = time.perf_counter()
    try:
        tool = tools.get(name)
        if tool is None:
            raise ToolFailed(f"There is no tool named {name!r}; available: {', '.join(tools) or 'none'}.")
        result, error = await run_tool(tool, arguments, context), ""
    except ToolFailed as failure:
        result, error = "", str(failure)
    return TraceStep(round_number, name, arguments, result, error, (time.perf_counter() - started) * 1000)


def _call_name(call: dict[str, Any]) -> str:
    return str((call.get("function") or {}).get("name") or "")


def _call_arguments(call: dict[str, Any]) -> Any:
    """The call's arguments: a JSON object per Ollama's contract, though some models send a JSON string."""
    arguments = (call.get("function") or {}).get("arguments", {})
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except json.JSONDecodeError:
            return arguments
    return arguments
