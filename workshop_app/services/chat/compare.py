"""One prompt to several models at once, their replies streamed side by side.

Each model's request goes through the same rate limit and fair queue as a chat, and
the columns form one group in that queue: the comparison counts as one action against
the per-person limit and takes its turn like one request, while its columns stream in
parallel on whatever slots no one else waiting could take (see the scheduler's rule).
A column still waiting shows its queue position. A failing model ends only its own column.
With a JSON schema every model is asked for replies that fit it, so a room can see which do;
with Thinking each column streams its own model's reasoning apart from its answer; images go
with the prompt to every model. A model that cannot think or see is refused by name before
any column is sent.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.chat.replies import stream_reply_queued
from workshop_app.services.chat.reply_modes import check_attachments, parse_schema
from workshop_app.services.chat.timing import ReplyClock, ReplyTiming
from workshop_app.services.core.errors import InvalidInput, WorkshopError
from workshop_app.services.core.running_streams import stoppable, stream_kind
from workshop_app.services.gateway.inputs import require_capabilities
from workshop_app.services.ollama.scheduler import QueueUpdate
from workshop_app.services.workshops.policy import Actor, require_actor

MIN_MODELS, MAX_MODELS = 2, 4
COMPARISON = stream_kind("comparison")
"""A comparison streaming (subject: the models compared); only its owner sees and stops it."""


@dataclass(frozen=True)
class ColumnUpdate:
    """News for column `index`: more text or reasoning, a queue position, or the end (with timing or an error)."""

    index: int
    text: str = ""
    thinking: str = ""
    position: int = 0
    timing: ReplyTiming | None = None
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.timing is not None


def check_comparison(
    actor: Actor | None,
    models: Sequence[str],
    system_prompt: str,
    options: dict,
    prompt: str,
    schema: str = "",
    *,
    think: bool = False,
    images: tuple[str, ...] = (),
) -> list[ChatSettings]:
    """The settings for each column, or a clear refusal (count, workshop's models, ranges, empty prompt, schema,
    images that are not ones)."""
    actor = require_actor(actor)
    chosen = list(dict.fromkeys(model for model in models if model))
    if not MIN_MODELS <= len(chosen) <= MAX_MODELS:
        raise InvalidInput(
            f"Pick {MIN_MODELS} to {MAX_MODELS} different models to compare.", hint="Tick them in the model list."
        )
    if not prompt.strip():
        raise InvalidInput("The message is empty.", hint="Type the prompt every model should answer.")
    check_attachments(images)
    return [ChatSettings(model, system_prompt, options, think=think, schema=schema).checked(actor) for model in chosen]


def compare_replies(
    actor: Actor,
    columns: list[ChatSettings],
    prompt: str,
    *,
    images: tuple[str, ...] = (),
    client_ip: str | None = None,
) -> AsyncGenerator[ColumnUpdate, None]:
    """`column_replies`, which its owner may also stop from another tab, worker or the REST API."""
    subject = ", ".join(settings.model for settings in columns)
    replies = column_replies(actor, columns, prompt, images=images, client_ip=client_ip)
    return stoppable(actor, COMPARISON, subject, replies)


async def column_replies(
    actor: Actor,
    columns: list[ChatSettings],
    prompt: str,
    *,
    images: tuple[str, ...] = (),
    client_ip: str | None = None,
) -> AsyncGenerator[ColumnUpdate, None]:
    """Updates from every column as they come; closing it (Stop) closes every request.

    Thinking or images for a model that lacks the capability are refused, naming it, before any column is sent.
    """
    for settings in columns:
        await _require_capabilities(settings, len(images))
    updates: asyncio.Queue[ColumnUpdate] = asyncio.Queue()
    group = uuid.uuid4().hex
    tasks = [
        asyncio.create_task(_column(index, settings, _question(prompt, images), actor, client_ip, group, updates))
        for index, settings in enumerate(columns)
    ]
    try:
        remaining = len(tasks)
        while remaining:
            update = await updates.get()
            remaining -= update.finished
            yield update
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _require_capabilities(settings: ChatSettings, images: int) -> None:
    try:
        await require_capabilities(settings.model, think=settings.think or None, images=images)
    except InvalidInput as refusal:
        remedy = "turn Thinking off" if "thinking" in refusal.message else "remove the images"
        hint = f"Untick it, or {remedy}."
        raise InvalidInput(refusal.message, hint=hint) from None


def _question(prompt: str, images: tuple[str, ...]) -> dict[str, Any]:
    return {"role": "user", "content": prompt.strip(), **({"images": list(images)} if images else {})}


async def _column(
    index: int,
    settings: ChatSettings,
    question: dict[str, Any],
    actor: Actor,
    client_ip: str | None,
    group: str,
    updates: asyncio.Queue[ColumnUpdate],
) -> None:
    system = [{"role": "system", "content": settings.system_prompt}] if settings.system_prompt else []
    messages = [*system, question]
    clock, error = ReplyClock(), ""
    schema = parse_schema(settings.schema)
    asked = {"format": schema, "think": True if settings.think else None}
    try:
        events = stream_reply_queued(
            settings.model,
            messages,
            dict(settings.options),
            user_id=actor.id,
            client_ip=client_ip,
            group=group,
            extras={name: value for name, value in asked.items() if value is not None} or None,
        )
        async with aclosing(events):
            async for event in events:
                clock.saw(event)
                if isinstance(event, QueueUpdate):
                    await updates.put(ColumnUpdate(index, position=event.position))
                    continue
                await updates.put(ColumnUpdate(index, text=event.content, thinking=event.thinking))
    except WorkshopError as failure:
        error = failure.message
    await updates.put(ColumnUpdate(index, timing=clock.timing(), error=error))
