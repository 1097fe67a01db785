"""Tools with a model: which models can call them, and conversations run through the loop as a person.

The tool playground, a Playground chat with tools attached and a RAG system with tools
all come through `_checked_loop`, so each checks the same things the same way: the person
may use the model, may read every tool, and the model can call tools at all.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.core.running_streams import stoppable, stream_kind
from workshop_app.services.models.catalog import Catalog, catalog_for, load_catalog
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.scheduler import QueueUpdate
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.tools.context import ToolContext
from workshop_app.services.tools.loop import LoopEnded, LoopEvent, ReplyText, TraceStep, run_tool_loop
from workshop_app.services.tools.store import definitions_for
from workshop_app.services.workshops.policy import Actor, require_actor, require_model

TOOL_RUN = stream_kind("tool-run")
"""A question running through the tool playground's loop (subject: the model); only its owner sees and stops it."""


@dataclass(frozen=True)
class ToolModels:
    """The models offered for tools, and when there are none, why (a host reconnecting is not "no model")."""

    names: list[str]
    notice: str = ""
    reconnecting: bool = False


NO_TOOL_MODEL = (
    'No model that can call tools is available. Models list "tools" among their capabilities on the Models page.'
)


async def tool_models(actor: Actor | None) -> ToolModels:
    """Reachable models this person may use whose /api/show capabilities include tools."""
    catalog = await catalog_for(actor)
    names = [model.name for model in catalog.models if model.healthy and "tools" in model.capabilities]
    if names:
        return ToolModels(names)
    down = [host.url for host in catalog.hosts if not host.reachable]
    if down:
        return ToolModels(
            [],
            f"Ollama at {', '.join(down)} is not answering right now; reconnecting. "
            "The models that can call tools come back here once it answers.",
            reconnecting=True,
        )
    if any(model.healthy and not model.capabilities for model in catalog.models):
        return ToolModels(
            [], "Ollama is back; still reading what its models can do. Check again in a moment.", reconnecting=True
        )
    return ToolModels([], NO_TOOL_MODEL)


async def require_tool_model(model: str, backends: tuple[OllamaBackend, ...] | None = None) -> Catalog:
    """Refuse a model whose /api/show capabilities are known and do not include tools; the catalog otherwise.

    A model no host reports is left to the request itself, which says it is missing.
    """
    catalog = await load_catalog(backends)
    summary = catalog.find(model)
    if summary is not None and summary.capabilities and "tools" not in summary.capabilities:
        raise InvalidInput(
            f"{model} cannot call tools (its capabilities: {', '.join(summary.capabilities)}).",
            hint="Pick a model with the tools capability, or remove the attached tools.",
        )
    return catalog


def teaching_options(catalog: Catalog, model: str, options: dict[str, Any] | None) -> dict[str, Any] | None:
    """On the built-in engine, ask for its teaching option unless the caller chose: the tiny model
    almost never calls a tool by itself, so its first reply is constrained to a call of an
    attached tool, and after the result it answers freely. The engine's note says so."""
    if not catalog.only_on_builtin(model) or "tool_choice" in (options or {}):
        return options
    return {**(options or {}), "tool_choice": "required"}


async def ask_with_tools(
    actor: Actor | None,
    model: str,
    tool_ids: Sequence[int],
    history: list[dict[str, Any]],
    question: str,
    *,
    client_ip: str | None = None,
) -> AsyncGenerator[LoopEvent, None]:
    """Continue a conversation (`history`, as the last LoopEnded left it) with a new question.

    The tools are loaded as this person may read them, and run on their behalf (a
    "search a collection" tool reads only what they may read). Its owner may also stop
    the run from another tab, worker or the REST API.
    """
    if not tool_ids:
        raise InvalidInput("Pick at least one tool.", hint="Tick the tools the model may call.")
    events = await _checked_loop(
        actor, model, tool_ids, [*history, {"role": "user", "content": question}], client_ip=client_ip
    )
    async with aclosing(stoppable(require_actor(actor), TOOL_RUN, model, events)) as running:
        async for event in running:
            yield event


async def reply_with_tools(
    actor: Actor | None,
    model: str,
    tool_ids: Sequence[int],
    messages: list[dict[str, Any]],
    *,
    options: dict[str, Any] | None = None,
    backends: tuple[OllamaBackend, ...] | None = None,
    client_ip: str | None = None,
    extras: Mapping[str, Any] | None = None,
) -> AsyncGenerator[ChatChunk | QueueUpdate | TraceStep | LoopEnded, None]:
    """A reply made with attached tools, streamed like a plain one: its text and reasoning come as ChatChunks,
    with each traced call and the final LoopEnded (the calls and results in Ollama's shape) between.
    `extras` (`think`, `format`) go with every round."""
    events = await _checked_loop(
        actor, model, tool_ids, messages, options=options, backends=backends, client_ip=client_ip, extras=extras
    )
    async with aclosing(events):
        async for event in events:
            yield ChatChunk(event.text, thinking=event.thinking) if isinstance(event, ReplyText) else event


async def _checked_loop(
    actor: Actor | None, model: str, tool_ids: Sequence[int], messages: list[dict[str, Any]], **request: Any
) -> AsyncGenerator[LoopEvent, None]:
    """The loop, once the person may use the model and read every tool, and the model can call tools."""
    actor = require_model(actor, model)
    tools = definitions_for(actor, tool_ids)
    catalog = await require_tool_model(model, request.get("backends"))
    request["options"] = teaching_options(catalog, model, request.get("options"))
    return run_tool_loop(model, messages, tools, ToolContext.for_actor(actor), **request)
