"""The model catalog across every configured Ollama host: health, residency, capabilities, metrics.

Everything here comes from the health monitor's last known state (plus the request
table for metrics), so an answer never waits on a slow or dead host for more than
the monitor's one-second bound, and says how old its information is.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field, replace
from typing import Any

from workshop_app.services.models.metrics import ModelMetrics, RequestPoint, metrics_by_model_host, request_points
from workshop_app.services.models.recipes import Recipe, all_recipes
from workshop_app.services.ollama.backends import get_monitor
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.errors import BackendUnavailable
from workshop_app.services.ollama.health_monitor import FIRST_CHECK_WAIT_S, HealthMonitor, HostState
from workshop_app.services.ollama.router import canonical_name, pick_host
from workshop_app.services.ollama.scheduler import QueueBusy, scheduler_for
from workshop_app.services.ollama.types import ModelInfo
from workshop_app.services.workshops.policy import Actor, require_actor, require_model, usable_models

PROVIDER = "ollama"
CAPABILITIES = ("completion", "tools", "vision", "embedding")
SORT_KEYS = ("name", "size", "requests", "latency", "speed")


@dataclass(frozen=True)
class HostStatus:
    """One host as last seen: reachable or not (and why), how long ago, what it holds in memory."""

    url: str
    reachable: bool
    latency_ms: float | None = None
    model_count: int = 0
    error: str = ""
    hint: str = ""
    checked: bool = True
    age_s: float | None = None
    loaded_count: int = 0
    loaded_bytes: int = 0
    vram_bytes: int = 0
    in_flight: int = 0
    kind: str = "Ollama"
    builtin: bool = False
    note: str = ""
    """What this host means for the room, when people should know it (the built-in engine)."""


@dataclass(frozen=True)
class Placement:
    """A model on one host: is the host up, is the model in memory there, until when."""

    url: str
    reachable: bool
    loaded: bool = False
    memory_bytes: int = 0
    vram_bytes: int = 0
    expires_at: str = ""
    context_length: int = 0
    """The context window the model was loaded with (/api/ps), 0 when not loaded."""

    @property
    def vram_share(self) -> float:
        return self.vram_bytes / self.memory_bytes if self.memory_bytes else 0.0


@dataclass(frozen=True)
class ModelSummary:
    """One model, merged over the hosts that have it."""

    name: str
    family: str
    parameter_size: str
    quantization: str
    size_bytes: int
    capabilities: tuple[str, ...]
    context_length: int | None
    placements: tuple[Placement, ...]
    metrics: ModelMetrics | None = None
    host_metrics: tuple[ModelMetrics, ...] = ()
    provider: str = PROVIDER
    built_from: str = ""
    """The base model, for a model made with the model builder."""
    built_by: str = ""
    """Who built it (display name), for a model made with the model builder."""

    @property
    def healthy(self) -> bool:
        """A reachable host has the model."""
        return any(placement.reachable for placement in self.placements)

    @property
    def loaded(self) -> bool:
        return any(placement.loaded for placement in self.placements)

    @property
    def hosts(self) -> list[str]:
        return [placement.url for placement in self.placements]


@dataclass(frozen=True)
class CatalogEntry:
    """A model as one host lists it (the per-host view of the catalog)."""

    model: ModelInfo
    backend_url: str


@dataclass(frozen=True)
class Catalog:
    hosts: list[HostStatus]
    models: list[ModelSummary] = field(default_factory=list)
    entries: list[CatalogEntry] = field(default_factory=list)

    @property
    def unreachable(self) -> list[HostStatus]:
        return [host for host in self.hosts if not host.reachable]

    @property
    def model_names(self) -> list[str]:
        """Models a request can be sent to now (on a reachable host)."""
        return sorted(model.name for model in self.models if model.healthy)

    def find(self, name: str) -> ModelSummary | None:
        wanted = canonical_name(name)
        return next((model for model in self.models if model.name == wanted), None)

    def only_on_builtin(self, name: str) -> bool:
        """Whether every host that has the model is the built-in engine."""
        model = self.find(name)
        builtin = {host.url for host in self.hosts if host.builtin}
        return model is not None and bool(model.placements) and all(p.url in builtin for p in model.placements)

    @property
    def oldest_age_s(self) -> float | None:
        ages = [host.age_s for host in self.hosts if host.age_s is not None]
        return max(ages) if ages else None


@dataclass(frozen=True)
class ModelDetails:
    """Everything the details page shows about one model."""

    summary: ModelSummary
    host_url: str
    parameters: str
    template: str
    system: str
    license: str
    modelfile: str
    model_info: dict[str, Any]
    points: list[RequestPoint]
    messages: tuple[dict[str, Any], ...] = ()
    """Few-shot messages the model was created with (/api/show), shown before every chat."""

    @property
    def supports_streaming(self) -> bool:
        return "completion" in self.summary.capabilities

    @property
    def supports_tools(self) -> bool:
        return "tools" in self.summary.capabilities


# -- building the catalog ------------------------------------------------------------------


ENGINE_NOTE = (
    "Built-in CPU engine with {models} — fine for learning the flow; install Ollama (ollama.com) for larger models. "
    "With tools attached, its first reply is a tool call (teaching mode)."
)
ENGINE_NOTE_NO_CHAT = "Built-in CPU engine without a chat model yet — pull smollm2:135m on the Models page."


def _chat_models(monitor: HealthMonitor, state: HostState) -> list[str]:
    """Models on the host that can chat (not embedding-only), as far as /api/show said."""
    names = []
    for info in state.models:
        capabilities = (monitor.show_data(state.url, info.digest) or {}).get("capabilities") or ["completion"]
        if "completion" in capabilities:
            names.append(info.name)
    return sorted(names)


def engine_note(monitor: HealthMonitor, state: HostState) -> str:
    """For the built-in engine: that it is one, with which chat model, and what that means; else empty."""
    if not (state.reachable and state.server.builtin):
        return ""
    models = _chat_models(monitor, state)
    return ENGINE_NOTE.format(models=", ".join(models)) if models else ENGINE_NOTE_NO_CHAT


def _host_status(state: HostState, monitor: HealthMonitor) -> HostStatus:
    checked = state.reachable is not None
    error = state.error if checked else f"No answer yet from {state.url}; still checking."
    hint = state.hint if checked else "Wait a moment and refresh; if it stays like this, check that Ollama runs there."
    return HostStatus(
        url=state.url,
        reachable=bool(state.reachable),
        latency_ms=state.latency_ms,
        model_count=len(state.models),
        error="" if state.reachable else error,
        hint="" if state.reachable else hint,
        checked=checked,
        age_s=state.age_s(),
        loaded_count=len(state.running),
        loaded_bytes=sum(entry.size_bytes for entry in state.running),
        vram_bytes=sum(entry.vram_bytes for entry in state.running),
        in_flight=scheduler_for(state.url).load().in_flight,
        kind=f"{state.server.name} · {state.server.slots or 1} slots" if state.server.builtin else state.server.name,
        builtin=state.server.builtin,
        note=engine_note(monitor, state),
    )


def _placement(state: HostState, name: str) -> Placement:
    running = state.running_model(name)
    if running is None:
        return Placement(state.url, bool(state.reachable))
    return Placement(
        state.url,
        bool(state.reachable),
        True,
        running.size_bytes,
        running.vram_bytes,
        running.expires_at,
        running.context_length,
    )


def _context_length(show: dict[str, Any] | None) -> int | None:
    info = (show or {}).get("model_info") or {}
    lengths = [value for key, value in info.items() if key.endswith(".context_length") and isinstance(value, int)]
    return lengths[0] if lengths else None


def _summaries(
    monitor: HealthMonitor, states: list[HostState], metrics: dict[tuple[str, str], ModelMetrics]
) -> list[ModelSummary]:
    seen: dict[str, tuple[ModelInfo, dict[str, Any] | None]] = {}
    for state in states:
        for info in state.models:
            if info.name not in seen or seen[info.name][1] is None:
                seen[info.name] = (info, monitor.show_data(state.url, info.digest))
    summaries = []
    for name, (info, show) in sorted(seen.items()):
        placements = tuple(_placement(state, name) for state in states if state.has(name))
        summaries.append(
            ModelSummary(
                name=name,
                family=info.family,
                parameter_size=info.parameter_size,
                quantization=info.quantization,
                size_bytes=info.size_bytes,
                capabilities=tuple((show or {}).get("capabilities") or ()),
                context_length=_context_length(show),
                placements=placements,
                metrics=metrics.get((name, "")),
                host_metrics=tuple(metrics[(name, p.url)] for p in placements if (name, p.url) in metrics),
            )
        )
    return summaries


async def load_catalog(
    backends: tuple[OllamaBackend, ...] | None = None, *, fresh: bool = False, max_wait: float = FIRST_CHECK_WAIT_S
) -> Catalog:
    """Every model on every host, from the last known state; `fresh` asks for a new check first.

    Waits at most `max_wait` (about a second, for a page) for hosts, whatever they do; a host
    that fails is reported in `hosts`, never raised.
    """
    monitor = get_monitor(backends)
    states = await (monitor.refresh(max_wait=max_wait) if fresh else monitor.current())
    metrics = await asyncio.to_thread(metrics_by_model_host)
    entries = [
        CatalogEntry(info, state.url)
        for state in states
        if state.reachable
        for info in sorted(state.models, key=lambda m: m.name)
    ]
    return Catalog([_host_status(state, monitor) for state in states], _summaries(monitor, states, metrics), entries)


async def catalog_for(actor: Actor | None, *, fresh: bool = False) -> Catalog:
    """The catalog as this person may see it: an attendee sees only their workshop's models."""
    actor = require_actor(actor)
    catalog = await load_catalog(fresh=fresh)
    usable = set(usable_models(actor, [model.name for model in catalog.models]))
    recipes = await asyncio.to_thread(all_recipes)
    return replace(
        catalog,
        models=[_with_origin(model, recipes) for model in catalog.models if model.name in usable],
        entries=[entry for entry in catalog.entries if entry.model.name in usable],
    )


def _with_origin(model: ModelSummary, recipes: dict[str, Recipe]) -> ModelSummary:
    recipe = recipes.get(model.name)
    return replace(model, built_from=recipe.base, built_by=recipe.author) if recipe else model


async def model_status(
    actor: Actor | None, name: str, backends: tuple[OllamaBackend, ...] | None = None
) -> ModelSummary:
    """One model's summary; ModelNotFound (404) if no host has it, BackendUnavailable (503) if its host is down,
    Forbidden if this person's workshop does not use it."""
    require_actor(actor)
    catalog = await load_catalog(backends)
    pick_host(name, get_monitor(backends).states(), QueueBusy())  # raises the 404 or the 503 naming the host
    summary = catalog.find(name)
    assert summary is not None  # pick_host found a reachable host listing it
    require_model(actor, summary.name)
    return _with_origin(summary, await asyncio.to_thread(all_recipes))


async def model_details(
    actor: Actor | None, name: str, backends: tuple[OllamaBackend, ...] | None = None
) -> ModelDetails:
    """Show data (cached by the monitor, or fetched within a second) plus recent requests."""
    summary = await model_status(actor, name, backends)
    monitor = get_monitor(backends)
    placement = next(p for p in summary.placements if p.reachable)
    state = next(s for s in monitor.states() if s.url == placement.url)
    info = next(m for m in state.models if m.name == summary.name)
    show = monitor.show_data(state.url, info.digest)
    if show is None:
        backend = next(b for b in monitor.backends if b.url == state.url)
        try:
            async with asyncio.timeout(FIRST_CHECK_WAIT_S):
                show = await backend.show(summary.name)
        except TimeoutError:
            raise BackendUnavailable(state.url, f"no answer within {FIRST_CHECK_WAIT_S:g} s") from None
    points = await asyncio.to_thread(request_points, summary.name)
    return ModelDetails(
        summary=summary,
        host_url=state.url,
        parameters=show.get("parameters") or "",
        template=show.get("template") or "",
        system=show.get("system") or _modelfile_system(show.get("modelfile") or ""),
        license=show.get("license") or "",
        modelfile=show.get("modelfile") or "",
        model_info=show.get("model_info") or {},
        points=points,
        messages=tuple(show.get("messages") or ()),
    )


_SYSTEM_LINE = re.compile(r'^SYSTEM\s+(?:"""(.*?)"""|(.*))$', re.MULTILINE | re.DOTALL)


def _modelfile_system(modelfile: str) -> str:
    match = _SYSTEM_LINE.search(modelfile)
    return (match.group(1) or match.group(2) or "").strip() if match else ""


# -- sorting, filtering, searching -------------------------------------------------------------


def select_models(
    models: list[ModelSummary], search: str = "", capability: str = "", sort: str = "name"
) -> list[ModelSummary]:
    """The models matching `search` (name or family) and `capability`, in `sort` order.

    Sorts by name ascending; size, requests, latency and speed put the largest first.
    """
    needle = search.strip().lower()
    chosen = [
        model
        for model in models
        if (not needle or needle in model.name.lower() or needle in model.family.lower())
        and (not capability or capability in model.capabilities)
    ]
    keys = {
        "size": lambda m: m.size_bytes,
        "requests": lambda m: m.metrics.total_requests if m.metrics else 0,
        "latency": lambda m: (m.metrics.avg_latency_ms or 0) if m.metrics else 0,
        "speed": lambda m: (m.metrics.avg_tokens_per_s or 0) if m.metrics else 0,
    }
    if sort in keys:
        return sorted(chosen, key=keys[sort], reverse=True)
    return sorted(chosen, key=lambda m: m.name)
