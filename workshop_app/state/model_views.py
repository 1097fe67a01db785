"""What the model pages display: service results turned into typed, already formatted rows.

Typed dataclasses (not loose dicts) so the pages can iterate nested lists (hosts,
capabilities) with rx.foreach, and so every number is formatted in one place.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from workshop_app.services.core.jobs import Job
from workshop_app.services.core.wording import counted
from workshop_app.services.models.catalog import CAPABILITIES, HostStatus, ModelSummary, Placement
from workshop_app.services.models.metrics import RequestPoint
from workshop_app.services.models.resources import Resources


@dataclasses.dataclass
class PlacementView:
    url: str = ""
    reachable: bool = False
    loaded: bool = False
    memory: str = ""


@dataclasses.dataclass
class ModelRow:
    name: str = ""
    family: str = ""
    parameter_size: str = ""
    quantization: str = ""
    size: str = ""
    capabilities: list[str] = dataclasses.field(default_factory=list)
    context: str = ""
    healthy: bool = False
    loaded: bool = False
    placements: list[PlacementView] = dataclasses.field(default_factory=list)
    built: str = ""
    usage: str = "no requests yet"
    latency: str = "—"
    p95: str = "—"
    speed: str = "—"
    last_used: str = "never"


@dataclasses.dataclass
class HostView:
    url: str = ""
    reachable: bool = False
    checked: bool = False
    age: str = ""
    error: str = ""
    hint: str = ""
    models: int = 0
    loaded: str = ""
    kind: str = ""
    note: str = ""


@dataclasses.dataclass
class PullView:
    model: str = ""
    host: str = ""
    state: str = ""
    status: str = ""
    percent: float = 0.0
    amount: str = ""
    speed: str = ""
    eta: str = ""
    error: str = ""
    hint: str = ""
    running: bool = False


@dataclasses.dataclass
class MachineView:
    cpu: str = ""
    cpu_percent: float = 0.0
    ram: str = ""
    ram_percent: float = 0.0
    gpus: list[str] = dataclasses.field(default_factory=list)
    has_gpu_tool: bool = False


def human_size(size: float) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def human_age(seconds: float | None) -> str:
    if seconds is None:
        return "not checked yet"
    if seconds < 60:
        return f"checked {seconds:.0f} s ago"
    return f"checked {seconds / 60:.0f} min ago"


def _clock(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%H:%M")
    except ValueError:
        return iso


def _context(tokens: int | None) -> str:
    if not tokens:
        return "—"
    return f"{tokens // 1024}K" if tokens >= 1024 else str(tokens)


def unloads_in(expires_at: str, now: datetime | None = None) -> str:
    """Ollama's expiry (/api/ps) as people say it: "unloads in 4 min"; a far-off date means it stays loaded."""
    try:
        expiry = datetime.fromisoformat(expires_at)
    except ValueError:
        return ""
    seconds = (expiry - (now or datetime.now(expiry.tzinfo))).total_seconds()
    if seconds > 365 * 86400:
        return "stays loaded"
    if seconds < 60:
        return "unloads in under a minute" if seconds > 0 else "unloading now"
    if seconds < 5400:
        return f"unloads in {seconds / 60:.0f} min"
    return f"unloads at {_clock(expires_at)}"


def residency(placement: Placement, now: datetime | None = None) -> str:
    """What /api/ps says of a loaded copy: memory and VRAM, context length, expiry; empty when not loaded."""
    if not placement.loaded:
        return ""
    vram = f"{human_size(placement.vram_bytes)} VRAM ({placement.vram_share:.0%})"
    parts = [f"{human_size(placement.memory_bytes)} in memory", vram if placement.vram_bytes else "CPU only"]
    if placement.context_length:
        parts.append(f"context {placement.context_length:,}")
    return " · ".join(filter(None, [*parts, unloads_in(placement.expires_at, now)]))


def _placement(placement: Placement) -> PlacementView:
    return PlacementView(placement.url, placement.reachable, placement.loaded, residency(placement))


def model_row(model: ModelSummary) -> ModelRow:
    row = ModelRow(
        name=model.name,
        family=model.family,
        parameter_size=model.parameter_size,
        quantization=model.quantization,
        size=human_size(model.size_bytes),
        capabilities=list(model.capabilities),
        context=_context(model.context_length),
        healthy=model.healthy,
        loaded=model.loaded,
        placements=[_placement(p) for p in model.placements],
        built=f"built from {model.built_from} by {model.built_by}" if model.built_from else "",
    )
    metrics = model.metrics
    if metrics is not None:
        stopped = f" · {metrics.stopped_requests} stopped" if metrics.stopped_requests else ""
        row.usage = f"{counted(metrics.total_requests, 'request')} · {metrics.success_rate:.0%} ok{stopped}"
        row.latency = f"{metrics.avg_latency_ms / 1000:.2f} s" if metrics.avg_latency_ms is not None else "—"
        row.p95 = f"{metrics.p95_latency_ms / 1000:.2f} s" if metrics.p95_latency_ms is not None else "—"
        row.speed = f"{metrics.avg_tokens_per_s:.1f} tok/s" if metrics.avg_tokens_per_s is not None else "—"
        row.last_used = datetime.fromisoformat(metrics.last_used).astimezone().strftime("%Y-%m-%d %H:%M")
    return row


def host_view(host: HostStatus) -> HostView:
    loaded = f"{host.loaded_count} loaded · {human_size(host.loaded_bytes)}" if host.reachable else ""
    return HostView(
        host.url,
        host.reachable,
        host.checked,
        human_age(host.age_s),
        host.error,
        host.hint,
        host.model_count,
        loaded,
        host.kind,
        host.note,
    )


@dataclasses.dataclass
class CapabilityFlag:
    name: str = ""
    on: bool = False


def capability_flags(capabilities: list[str]) -> list[CapabilityFlag]:
    """Each capability once: the common ones as yes/no, then any others the model reports."""
    return [CapabilityFlag(name, name in capabilities) for name in CAPABILITIES] + [
        CapabilityFlag(name, True) for name in capabilities if name not in CAPABILITIES
    ]


def pull_view(job: Job) -> PullView:
    amount = f"{human_size(job.done)} / {human_size(job.total)}" if job.total else ""
    speed = f"{human_size(job.rate)}/s" if job.active and job.rate else ""
    eta = f"{job.eta_s:.0f} s left" if job.eta_s is not None else ""
    # A finished card says how it ended through its badge (and error), not the last step it was at.
    return PullView(
        job.subject,
        job.place,
        str(job.status),
        job.message if job.active else "",
        round(job.percent, 1),
        amount,
        speed,
        eta,
        job.error,
        job.hint,
        job.active,
    )


def machine_view(resources: Resources) -> MachineView:
    gpus = [
        f"{gpu.name}: {gpu.memory_used_mb / 1024:.1f} / {gpu.memory_total_mb / 1024:.1f} GB"
        for gpu in resources.gpus or []
    ]
    return MachineView(
        cpu=f"{resources.cpu_percent:.0f} % of {resources.cpu_count} cores",
        cpu_percent=resources.cpu_percent,
        ram=f"{human_size(resources.ram_used_bytes)} / {human_size(resources.ram_total_bytes)}",
        ram_percent=100 * resources.ram_used_bytes / resources.ram_total_bytes if resources.ram_total_bytes else 0.0,
        gpus=gpus,
        has_gpu_tool=resources.gpus is not None,
    )


def chart_points(points: list[RequestPoint]) -> list[dict[str, float | str]]:
    """Recent requests as recharts rows: time label, latency in seconds, tokens per second."""
    return [
        {
            "time": _clock(p.started_at),
            "latency_s": round(p.latency_ms / 1000, 3),
            "tokens_per_s": round(p.tokens_per_s or 0, 1),
        }
        for p in points
    ]
