"""What the Playground and Compare pages display: chats, messages and timings as plain rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workshop_app.db.chats import Chat, ChatMessage
from workshop_app.services.chat_models import ModelChoice
from workshop_app.services.reply_timing import ReplyTiming
from workshop_app.services.tools.loop import TraceStep
from workshop_app.state.time_format import ago
from workshop_app.state.tool_views import TranscriptEntry, step_entry


def timing_text(stats: Mapping[str, Any] | ReplyTiming | None) -> str:
    """"TTFT 0.21 s · total 1.34 s · 12 tokens · 9.8 tokens/s" — empty when nothing was measured."""
    if isinstance(stats, ReplyTiming):
        stats = stats.as_dict()
    if not stats or "latency_ms" not in stats:
        return ""
    ttft = stats.get("ttft_ms")
    first = f"TTFT {_seconds(ttft)} · " if ttft is not None else ""
    return f"{first}total {_seconds(stats['latency_ms'])} · {stats['tokens']} tokens · {stats['tokens_per_second']:.1f} tokens/s"


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms < 10_000 else f"{ms / 1000:.1f} s"


def message_row(message: ChatMessage) -> dict[str, str]:
    return {
        "id": str(message.id),
        "role": message.role,
        "content": message.content,
        "model": message.model,
        "status": message.status if message.role == "assistant" else "",
        "error": message.error,
        "stats": timing_text(message.stats),
    }


def trace_entries(message: ChatMessage) -> list[TranscriptEntry]:
    """The tool calls a saved reply made, as the trace under it shows them."""
    return [step_entry(TraceStep.from_dict(step)) for step in message.tool_trace]


def chat_row(chat: Chat) -> dict[str, str]:
    return {"id": str(chat.id), "title": chat.title, "model": chat.model, "when": ago(chat.updated_at)}


def model_row(choice: ModelChoice) -> dict[str, str]:
    return {"name": choice.name, "capabilities": ", ".join(choice.capabilities)}
