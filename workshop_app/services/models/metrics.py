"""Per-model metrics from the platform's own traffic (the model_request table), per host.

Computed over the newest requests rather than stored as counters, so they survive
restarts, agree with the rows, and need no extra schema.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import col, select

from workshop_app.db.engine import session_scope
from workshop_app.db.model_requests import ModelRequest, Outcome
from workshop_app.services.ollama.router import canonical_name
from workshop_app.services.operations.metrics import recent_requests

METRICS_WINDOW = 5000
"""Newest requests the per-model metrics are computed over (a workshop's worth of traffic)."""


@dataclass(frozen=True)
class ModelMetrics:
    """How one model has served on one host, from the platform's own requests."""

    model: str
    backend_url: str
    total_requests: int
    success_rate: float
    """Of the requests that ran to an end: a reply its reader stopped is neither a success nor a failure."""
    stopped_requests: int
    avg_latency_ms: float | None
    p95_latency_ms: float | None
    avg_tokens_per_s: float | None
    last_used: str


@dataclass(frozen=True)
class RequestPoint:
    """One finished request, for a chart of recent latency and speed."""

    started_at: str
    latency_ms: float
    tokens_per_s: float | None
    outcome: str


MIN_RATE_INTERVAL_MS = 50.0
"""Shorter generation times say nothing about speed (a buffered reply, a one-token answer): no rate is derived."""


def tokens_per_second(row: ModelRequest) -> float | None:
    """Generation speed: completion tokens over the backend's own generation time where it reported one,
    else over the time after the first token; none from a near-zero interval."""
    if not row.completion_tokens:
        return None
    if row.eval_ms:
        interval_ms = row.eval_ms
    elif row.ttft_ms is not None:
        interval_ms = row.duration_ms - row.ttft_ms
    else:
        return None
    return row.completion_tokens / (interval_ms / 1000) if interval_ms >= MIN_RATE_INTERVAL_MS else None


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p95 of [1..100] is 95)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _metrics(model: str, url: str, rows: list[ModelRequest]) -> ModelMetrics:
    succeeded = [row for row in rows if row.outcome == Outcome.SUCCESS]
    stopped = sum(row.outcome == Outcome.CANCELLED for row in rows)
    latencies = [row.duration_ms for row in succeeded]
    speeds = [speed for speed in map(tokens_per_second, succeeded) if speed is not None]
    finished = len(rows) - stopped
    return ModelMetrics(
        model=model,
        backend_url=url,
        total_requests=len(rows),
        success_rate=len(succeeded) / finished if finished else 1.0,
        stopped_requests=stopped,
        avg_latency_ms=_mean(latencies),
        p95_latency_ms=percentile(latencies, 0.95),
        avg_tokens_per_s=_mean(speeds),
        last_used=max(row.started_at for row in rows).isoformat(),
    )


def metrics_by_model_host(window: int = METRICS_WINDOW) -> dict[tuple[str, str], ModelMetrics]:
    """Metrics per (model, host URL), and per (model, "") over all hosts, from the newest `window` requests.

    Latency and speed count successful requests only; a failed request counts against
    the success rate, a stopped one (the person's choice) does not.
    """
    groups: dict[tuple[str, str], list[ModelRequest]] = defaultdict(list)
    for row in recent_requests(limit=window):
        name = canonical_name(row.model)
        groups[(name, row.backend_url)].append(row)
        groups[(name, "")].append(row)
    return {key: _metrics(*key, rows) for key, rows in groups.items()}


def request_points(model: str, limit: int = 50) -> list[RequestPoint]:
    """The model's newest requests (asked for with or without ":latest"), oldest first, for a chart."""
    name = canonical_name(model)
    names = {name, name.removesuffix(":latest")}
    query = (
        select(ModelRequest)
        .where(col(ModelRequest.model).in_(names))
        .order_by(col(ModelRequest.id).desc())
        .limit(limit)
    )
    with session_scope() as session:
        rows = list(session.exec(query).all())
    return [
        RequestPoint(row.started_at.isoformat(), row.duration_ms, tokens_per_second(row), row.outcome)
        for row in reversed(rows)
    ]
