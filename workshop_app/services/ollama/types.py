"""Plain data the Ollama layer hands upward, independent of the client library's classes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NANOS_PER_MS = 1_000_000
BUILTIN_ENGINE = "workshop-builtin"
"""What the built-in engine says in /api/version's `engine` field (Ollama itself says nothing there)."""


@dataclass(frozen=True)
class ServerInfo:
    """What a host says about itself in /api/version: Ollama gives only `version`; the built-in
    engine adds its name and how many sequences it decodes at once."""

    version: str = ""
    engine: str = ""
    slots: int | None = None

    @property
    def builtin(self) -> bool:
        return self.engine == BUILTIN_ENGINE

    @property
    def name(self) -> str:
        """What the pages call this kind of host (an unchecked host counts as Ollama)."""
        return "Built-in engine" if self.builtin else "Ollama"


@dataclass(frozen=True)
class ModelInfo:
    """One model as a backend lists it in /api/tags."""

    name: str
    size_bytes: int
    family: str
    parameter_size: str
    quantization: str
    digest: str
    modified_at: str


@dataclass(frozen=True)
class ChatStats:
    """Ollama's final counters for one reply (durations converted to milliseconds)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_ms: float = 0.0
    load_ms: float = 0.0
    eval_ms: float = 0.0
    done_reason: str = ""

    @property
    def tokens_per_second(self) -> float:
        return self.completion_tokens / (self.eval_ms / 1000) if self.eval_ms > 0 else 0.0

    @classmethod
    def from_final(cls, part: Mapping[str, Any]) -> ChatStats:
        """The counters of a reply's last NDJSON line (`done` true)."""
        return cls(
            prompt_tokens=part.get("prompt_eval_count") or 0,
            completion_tokens=part.get("eval_count") or 0,
            total_ms=(part.get("total_duration") or 0) / NANOS_PER_MS,
            load_ms=(part.get("load_duration") or 0) / NANOS_PER_MS,
            eval_ms=(part.get("eval_duration") or 0) / NANOS_PER_MS,
            done_reason=part.get("done_reason") or "",
        )


@dataclass(frozen=True)
class ChatChunk:
    """A piece of a streamed reply; the last one has `done` set and carries the stats.

    `thinking` is a thinking model's reasoning (asked for with `think`), streamed apart from the answer.
    """

    content: str
    done: bool = False
    stats: ChatStats | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    thinking: str = ""


@dataclass(frozen=True)
class RunningModel:
    """One model held in memory, as /api/ps lists it."""

    name: str
    size_bytes: int
    vram_bytes: int
    expires_at: str
    context_length: int = 0

    @property
    def vram_share(self) -> float:
        """Fraction of the model's memory in VRAM (1.0 = fully on the GPU)."""
        return self.vram_bytes / self.size_bytes if self.size_bytes else 0.0


@dataclass(frozen=True)
class PullStep:
    """One NDJSON line of a pull: a status, and for a layer download its digest and byte counts."""

    status: str
    digest: str = ""
    total: int = 0
    completed: int = 0
