"""The tool playground: which models can call tools, and one question run through the loop as a person."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from typing import Any

from workshop_app.services.errors import InvalidInput
from workshop_app.services.models import catalog_for
from workshop_app.services.policy import Actor, require_model
from workshop_app.services.tools.context import ToolContext
from workshop_app.services.tools.loop import LoopEvent, run_tool_loop
from workshop_app.services.tools.store import definitions_for


async def tool_models(actor: Actor | None) -> list[str]:
    """Reachable models this person may use whose /api/show capabilities include tools."""
    catalog = await catalog_for(actor)
    return [model.name for model in catalog.models if model.healthy and "tools" in model.capabilities]


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
    "search a collection" tool reads only what they may read).
    """
    actor = require_model(actor, model)
    if not tool_ids:
        raise InvalidInput("Pick at least one tool.", hint="Tick the tools the model may call.")
    tools = definitions_for(actor, tool_ids)
    messages = [*history, {"role": "user", "content": question}]
    events = run_tool_loop(model, messages, tools, ToolContext.for_actor(actor), client_ip=client_ip)
    async with aclosing(events):
        async for event in events:
            yield event
