"""How fast a reply came: the wait for a turn, time to first token, latency, tokens per second.

Latency is measured from the moment the person sent, the way they experienced it; the
wait in the fair queue is kept apart from the time to first token, so a reply that
waited behind someone else's does not look like a slow model.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from workshop_app.services.ollama.scheduler import QueueUpdate
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
    ttft_ms: float | None  # from the turn's start (after any wait) to the first token
    tokens: int
    tokens_per_second: float
    wait_ms: float = 0.0  # time spent waiting in the fair queue

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ReplyClock:
    """Fed every event of one reply (queue positions and chunks); `timing()` at any point describes it so far.

    A QueueUpdate with a position starts a wait, one with position 0 (the turn began) ends it.
    """

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first_at: float | None = None
        self.pieces = 0
        self.final: ChatChunk | None = None
        self.waited = 0.0
        self._waiting_since: float | None = None
        self._waited_before_first = 0.0

    def saw(self, event: ChatChunk | QueueUpdate) -> None:
        if isinstance(event, QueueUpdate):
            self._queue(event.position, time.perf_counter())
            return
        if event.content:
            self.pieces += 1
            if self.first_at is None:
                self.first_at = time.perf_counter()
                self._waited_before_first = self.waited
        if event.stats is not None:
            self.final = event

    def _queue(self, position: int, now: float) -> None:
        if position and self._waiting_since is None:
            self._waiting_since = now
        elif not position and self._waiting_since is not None:
            self.waited += now - self._waiting_since
            self._waiting_since = None

    def timing(self) -> ReplyTiming:
        now = time.perf_counter()
        waited = self.waited + (now - self._waiting_since if self._waiting_since is not None else 0.0)
        ttft = (self.first_at - self.started - self._waited_before_first) * 1000 if self.first_at is not None else None
        latency, wait_ms = (now - self.started) * 1000, waited * 1000
        stats = self.final.stats if self.final is not None else None
        if stats is not None and stats.completion_tokens:
            return ReplyTiming(latency, ttft, stats.completion_tokens, stats.tokens_per_second, wait_ms)
        # Cut short: no counts from Ollama, so each streamed piece (about a token) counts.
        streaming_s = now - self.first_at if self.first_at is not None else 0.0
        rate = self.pieces / streaming_s if streaming_s > 0 else 0.0
        return ReplyTiming(latency, ttft, self.pieces, rate, wait_ms)
