"""How fast a reply came: latency, time to first token, tokens per second.

Measured from the moment the person sent, so a wait in the fair queue shows up in the
latency and the time to first token, the way the person experienced it.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from workshop_app.services.ollama.types import ChatChunk


def first_token_ms(arrived_ms: float | None, pieces: int, duration_ms: float, eval_ms: float | None) -> float | None:
    """When the first token came, given when the first piece arrived and how many pieces there were.

    A reply that arrives in one piece (a backend that buffers, as Ollama does with tools)
    tells nothing by its arrival, which is about the whole duration: the backend's own
    generation time is taken off the whole instead, or no time is claimed at all.
    """
    if arrived_ms is None or pieces > 1:
        return arrived_ms
    return max(0.0, duration_ms - eval_ms) if eval_ms else None


@dataclass(frozen=True)
class ReplyTiming:
    latency_ms: float
    ttft_ms: float | None
    tokens: int
    tokens_per_second: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ReplyClock:
    """Fed every chunk of one reply; `timing()` at any point describes it so far."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first_at: float | None = None
        self.pieces = 0
        self.final: ChatChunk | None = None

    def saw(self, chunk: ChatChunk) -> None:
        if chunk.content:
            self.pieces += 1
            if self.first_at is None:
                self.first_at = time.perf_counter()
        if chunk.stats is not None:
            self.final = chunk

    def timing(self) -> ReplyTiming:
        now = time.perf_counter()
        ttft = (self.first_at - self.started) * 1000 if self.first_at is not None else None
        stats = self.final.stats if self.final is not None else None
        if stats is not None and stats.completion_tokens:
            return ReplyTiming((now - self.started) * 1000, ttft, stats.completion_tokens, stats.tokens_per_second)
        # Cut short: no counts from Ollama, so each streamed piece (about a token) counts.
        streaming_s = now - self.first_at if self.first_at is not None else 0.0
        rate = self.pieces / streaming_s if streaming_s > 0 else 0.0
        return ReplyTiming((now - self.started) * 1000, ttft, self.pieces, rate)
