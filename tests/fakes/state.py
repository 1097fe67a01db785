"""Mutable state of a fake Ollama: configuration, counters, installed and loaded models, scripts.

Everything is plain attributes: the server thread's event loop is the only writer of
counters and models, tests read them from their own thread.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from .catalog import DEFAULT_INSTALLED, REGISTRY, ModelSpec, normalize_name

FAULTS: tuple[str | None, ...] = (None, "http_500", "error_mid_stream", "hang")
"""In-band faults. Refusing connections is done with FakeOllama.refuse_connections()."""

DEFAULT_KEEP_ALIVE = 300.0
DEFAULT_NUM_CTX = 4096
# Ollama reports "forever" (negative keep_alive) as an expiry far in the future.
_FOREVER = datetime(2318, 1, 1, tzinfo=UTC)
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass
class FakeConfig:
    """Knobs tests turn; every field can also be set over HTTP via POST /_fake/config."""

    first_token_delay: float = 0.0
    token_delay: float = 0.0
    reply_tokens: int = 12
    fault: str | None = None
    pull_line_delay: float = 0.0
    show_delay: float = 0.0
    """Seconds before /api/show answers (Ollama reads the model's file for it; slow on a cold disk)."""
    unknown_pulls_fail: bool = True
    empty_loads_ignored: bool = False  # answer an empty load request (chat/generate/embed) without loading
    engine: str = ""
    """Reported as /api/version's `engine` when set, as the built-in engine ("workshop-builtin") does."""
    slots: int = 0
    """Reported as /api/version's `slots` (sequences served at once) when above 0, as the built-in engine does."""

    def __setattr__(self, name: str, value: Any) -> None:
        """Validate every assignment, so a typo'd fault fails loudly instead of being ignored."""
        if name == "fault":
            if value not in FAULTS:
                hint = " (use FakeOllama.refuse_connections() in-process)" if value == "refuse" else ""
                raise ValueError(f"fault must be one of {list(FAULTS)}{hint}")
        elif name in ("unknown_pulls_fail", "empty_loads_ignored"):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be a boolean")
        elif name == "engine":
            if not isinstance(value, str):
                raise ValueError("engine must be a string")
        elif name in ("reply_tokens", "slots"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a non-negative number of seconds")
        super().__setattr__(name, value)

    def update(self, values: Mapping[str, Any]) -> None:
        """Apply a partial update (e.g. from POST /_fake/config); raises ValueError on bad fields."""
        known = {f.name for f in fields(self)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown config field(s) {sorted(unknown)}; known: {sorted(known)}")
        for name, value in values.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FakeStats:
    """Counters tests assert on (batching, cancellation, request counts)."""

    requests: dict[str, int] = field(default_factory=dict)
    embed_calls: int = 0
    embed_inputs: int = 0
    active_streams: int = 0
    peak_streams: int = 0
    """The most replies streamed at once since the counters were last reset (a host's observed concurrency)."""
    stream_seconds: float = 0.0
    """Seconds spent streaming replies, summed over the streams (how long the host's slots were busy)."""
    cancelled_streams: int = 0
    last_chat_options: dict[str, Any] = field(default_factory=dict)
    last_chat: dict[str, Any] = field(default_factory=dict)
    """The last chat request's fields other than its messages (format, think, keep_alive, tools, ...)."""
    last_generate: dict[str, Any] = field(default_factory=dict)
    """The last generate request's fields other than its images (raw, suffix, system, ...)."""

    def count_request(self, path: str) -> None:
        self.requests[path] = self.requests.get(path, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LoadedModel:
    """A model "in memory", as listed by /api/ps."""

    spec: ModelSpec
    context_length: int
    expires_at: datetime

    def ps_entry(self) -> dict[str, Any]:
        memory = int(self.spec.size * 1.25)  # weights plus KV cache, roughly what Ollama reports
        return {
            "name": self.spec.name,
            "model": self.spec.name,
            "size": memory,
            "size_vram": memory,
            "digest": self.spec.digest,
            "details": self.spec.details,
            "expires_at": self.expires_at.isoformat(),
            "context_length": self.context_length,
        }


def parse_keep_alive(value: Any) -> float | None:
    """Seconds to stay loaded after a request; None means forever, 0 means unload now.

    Accepts what Ollama accepts: a number of seconds or a Go duration string ("5m", "1h30m", "-1").
    """
    if value is None or value == "":
        return DEFAULT_KEEP_ALIVE
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        sign = -1.0 if text.startswith("-") else 1.0
        text = text.lstrip("+-")
        try:
            seconds = float(text)
        except ValueError:
            parts = _DURATION_PART.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text:
                raise ValueError(f"time: invalid duration {value!r}") from None
            seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
        seconds *= sign
    else:
        raise ValueError(f"invalid keep_alive {value!r}")
    return None if seconds < 0 else seconds


class FakeState:
    """All state behind one fake server; ``reset()`` returns it to the baseline."""

    def __init__(self, baseline: FakeConfig) -> None:
        self.baseline = baseline
        self.config = FakeConfig()
        self.halting = False
        self.reset()

    def reset(self) -> None:
        # Config is updated in place so references tests hold stay live. Stats are replaced:
        # streams still closing from an earlier test decrement the object they started with.
        self.config.update(self.baseline.as_dict())
        self.stats = FakeStats()
        self.installed: dict[str, ModelSpec] = {name: REGISTRY[name] for name in DEFAULT_INSTALLED}
        self.loaded: dict[str, LoadedModel] = {}
        self.scripts: dict[str, deque[dict[str, Any]]] = {}

    def find(self, name: str) -> ModelSpec | None:
        return self.installed.get(normalize_name(name))

    def load(self, spec: ModelSpec, keep_alive: float | None, num_ctx: int | None) -> None:
        """Mark a model loaded (or unload it when keep_alive is 0), as Ollama's scheduler does."""
        if keep_alive == 0:
            self.loaded.pop(spec.name, None)
            return
        now = datetime.now(UTC)
        expires = _FOREVER if keep_alive is None else now + timedelta(seconds=keep_alive)
        previous = self.loaded.get(spec.name)
        context = num_ctx or (previous.context_length if previous else min(DEFAULT_NUM_CTX, spec.context_length))
        self.loaded[spec.name] = LoadedModel(spec, context, expires)

    def running(self) -> list[LoadedModel]:
        """Loaded models, dropping those whose keep_alive expired."""
        now = datetime.now(UTC)
        self.loaded = {name: m for name, m in self.loaded.items() if m.expires_at > now}
        return list(self.loaded.values())

    def script_chat(self, model: str, responses: list[dict[str, Any]]) -> int:
        """Queue scripted chat replies for a model; returns the queue length."""
        for response in responses:
            _validate_script(response)
        queue = self.scripts.setdefault(normalize_name(model), deque())
        queue.extend(responses)
        return len(queue)

    def next_script(self, model: str) -> dict[str, Any] | None:
        queue = self.scripts.get(normalize_name(model))
        return queue.popleft() if queue else None


def _validate_script(response: Any) -> None:
    if not isinstance(response, dict) or not ({"content", "tool_calls"} & response.keys()):
        raise ValueError(f"scripted response needs 'content' and/or 'tool_calls': {response!r}")
    if not isinstance(response.get("content", ""), str):
        raise ValueError("scripted 'content' must be a string")
    for call in response.get("tool_calls", []):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise ValueError(f"tool call must look like {{'function': {{'name': ..., 'arguments': {{}}}}}}: {call!r}")
        if not isinstance(function.get("arguments", {}), dict):
            raise ValueError("tool call 'arguments' must be an object")
