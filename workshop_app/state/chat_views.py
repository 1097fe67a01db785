"""What the Playground and Compare pages display: chats, messages and timings as plain rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workshop_app.db.chats import Chat, ChatMessage
from workshop_app.services.chat.model_choices import ModelChoice
from workshop_app.services.chat.reply_modes import data_url, pretty_json, schema_verdict
from workshop_app.services.chat.timing import ReplyTiming
from workshop_app.services.tools.loop import TraceStep
from workshop_app.state.time_format import ago
from workshop_app.state.tool_views import TranscriptEntry, step_entry

SHOWN_WAIT_MS = 10  # below this a reply did not wait for a turn; the figure is the queue's own bookkeeping


def timing_text(stats: Mapping[str, Any] | ReplyTiming | None) -> str:
    """ "wait 1.20 s · TTFT 0.21 s · total 1.55 s · 12 tokens · 9.8 tokens/s" — empty when no reply came.

    The wait for a turn and the time to first token are shown apart, so a queued reply
    does not look like a slow model; a reply served at once (or kept before waits were
    measured) shows no wait rather than "wait 0.00 s".
    """
    if isinstance(stats, ReplyTiming):
        stats = stats.as_dict()
    if not stats or "latency_ms" not in stats or (not stats.get("tokens") and stats.get("ttft_ms") is None):
        return ""
    wait, ttft = stats.get("wait_ms"), stats.get("ttft_ms")
    parts = [f"wait {_seconds(wait)}"] if wait is not None and wait >= SHOWN_WAIT_MS else []
    parts += [f"TTFT {_seconds(ttft)}"] if ttft is not None else []
    parts += [
        f"total {_seconds(stats['latency_ms'])}",
        f"{stats['tokens']} tokens",
        f"{stats['tokens_per_second']:.1f} tokens/s",
    ]
    return " · ".join(parts)


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms < 10_000 else f"{ms / 1000:.1f} s"


def message_row(message: ChatMessage) -> dict[str, str]:
    """One bubble; a structured reply comes indented ("json") with how it fits its schema ("verdict")."""
    schema = message.reply_schema if message.status == "done" else None
    shown, verdict = structured_view(schema, message.content)
    return {
        "id": str(message.id),
        "role": message.role,
        "content": message.content,
        "model": message.model,
        "status": message.status if message.role == "assistant" else "",
        "error": message.error,
        "stats": timing_text(message.stats),
        "thinking": message.thinking,
        "thought_for": _thought_for(message.stats.get("thinking_ms")),
        "json": shown,
        "verdict": verdict,
    }


def structured_view(schema: dict[str, Any] | None, content: str) -> tuple[str, str]:
    """A finished reply asked to fit `schema`: indented, and "matches the schema" or "does not match: <why>"."""
    if schema is None:
        return "", ""
    problem = schema_verdict(schema, content)
    return pretty_json(content), f"does not match: {problem}" if problem else "matches the schema"


def _thought_for(thinking_ms: float | None) -> str:
    """ "Thought for 3 s" over a kept reply's reasoning; "Thoughts" when its length was not measured."""
    if thinking_ms is None:
        return "Thoughts"
    return f"Thought for {thinking_ms / 1000:.0f} s" if thinking_ms >= 1000 else "Thought for under a second"


def message_images(message: ChatMessage) -> list[str]:
    """A person's images on a message, as data URLs for thumbnails."""
    return [data_url(image) for image in message.images]


def trace_entries(message: ChatMessage) -> list[TranscriptEntry]:
    """The tool calls a saved reply made, as the trace under it shows them."""
    return [step_entry(TraceStep.from_dict(step)) for step in message.tool_trace]


def chat_row(chat: Chat) -> dict[str, str]:
    return {"id": str(chat.id), "title": chat.title, "model": chat.model, "when": ago(chat.updated_at)}


def model_row(choice: ModelChoice) -> dict[str, str]:
    return {"name": choice.name, "capabilities": ", ".join(choice.capabilities)}
