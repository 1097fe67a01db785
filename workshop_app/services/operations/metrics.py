"""Recording of model requests and the platform's Prometheus metrics.

A model request is counted at the one place it is persisted (`record_request`), so
the database rows and the exported counters cannot disagree. The small `*_hook`
style functions below are what other features call (scheduler, rate limiter,
embedding jobs, sessions); they only touch in-process metrics and never fail.
With WORKSHOP_REDIS_URL each worker also shares its figures through Redis and a scrape
of any worker answers for all of them (services/operations/cluster_metrics.py).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from sqlmodel import col, select

from workshop_app.db.engine import session_scope
from workshop_app.db.model_requests import ModelRequest
from workshop_app.services.operations.cluster_metrics import cluster_exposition, share
from workshop_app.services.operations.logs import get_logger
from workshop_app.settings import get_settings

log = get_logger(__name__)

# Model replies range from a fast cached token to minutes of CPU-bound generation.
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300)
_TTFT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)

HTTP_REQUESTS = Counter(
    "workshop_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "workshop_http_request_duration_seconds", "Time to answer an HTTP request, by route template.", ["route", "method"]
)
MODEL_REQUESTS = Counter(
    "workshop_model_requests_total",
    "Requests sent to a model, by model, host, kind and outcome.",
    ["model", "host", "kind", "outcome"],
)
MODEL_LATENCY = Histogram(
    "workshop_model_request_duration_seconds",
    "Whole duration of a model request.",
    ["model", "host", "kind"],
    buckets=_LATENCY_BUCKETS,
)
MODEL_TTFT = Histogram(
    "workshop_model_time_to_first_token_seconds",
    "Time until a model's first token.",
    ["model", "host"],
    buckets=_TTFT_BUCKETS,
)
TOKENS_GENERATED = Counter(
    "workshop_tokens_generated_total", "Completion tokens generated, by model and host.", ["model", "host"]
)
PROMPT_TOKENS = Counter(
    "workshop_prompt_tokens_total", "Prompt tokens evaluated, by model and host.", ["model", "host"]
)
QUEUE_LENGTH = Gauge("workshop_queue_length", "Requests waiting for a slot on an Ollama host.", ["host"])
ACTIVE_USERS = Gauge("workshop_active_users", "Users active in the last few minutes.")
RATE_LIMIT_HITS = Counter(
    "workshop_rate_limit_hits_total", "Requests refused by a rate limit or quota, by limit.", ["limit"]
)
EMBEDDED_ITEMS = Counter("workshop_embedding_items_total", "Texts embedded, by embedding model.", ["model"])
EMBEDDING_BATCHES = Counter(
    "workshop_embedding_batches_total", "Embedding batches completed, by embedding model.", ["model"]
)


def record_request(row: ModelRequest) -> None:
    """Persist one finished request and count it (from async code: through `off_loop`)."""
    observe_model_request(row)
    record_requests([row])


def record_requests(rows: list[ModelRequest]) -> None:
    """Persist finished requests, counted already (`observe_model_request`), in one transaction."""
    with session_scope() as session:
        session.add_all(rows)


def observe_model_request(row: ModelRequest) -> None:
    """Count one finished model request in the exported metrics and log it."""
    share()
    MODEL_REQUESTS.labels(row.model, row.backend_url, row.kind, row.outcome).inc()
    MODEL_LATENCY.labels(row.model, row.backend_url, row.kind).observe(row.duration_ms / 1000)
    if row.ttft_ms is not None:
        MODEL_TTFT.labels(row.model, row.backend_url).observe(row.ttft_ms / 1000)
    if row.completion_tokens:
        TOKENS_GENERATED.labels(row.model, row.backend_url).inc(row.completion_tokens)
    if row.prompt_tokens:
        PROMPT_TOKENS.labels(row.model, row.backend_url).inc(row.prompt_tokens)
    log.info(
        "model_request.finished",
        model=row.model,
        host=row.backend_url,
        kind=row.kind,
        outcome=str(row.outcome),
        duration_ms=round(row.duration_ms, 1),
        ttft_ms=None if row.ttft_ms is None else round(row.ttft_ms, 1),
        completion_tokens=row.completion_tokens,
        error=row.error,
    )


def observe_http_request(route: str, method: str, status: int, seconds: float) -> None:
    share()
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_DURATION.labels(route, method).observe(seconds)


def set_queue_length(host: str, waiting: int) -> None:
    """Hook for the scheduler: how many requests wait for `host` right now."""
    share()
    QUEUE_LENGTH.labels(host).set(waiting)


def set_active_users(count: int) -> None:
    """Hook for sessions: how many users were active recently."""
    share()
    ACTIVE_USERS.set(count)


def count_rate_limit_hit(limit: str) -> None:
    """Hook for the rate limiter: one refused request, labelled by the limit that refused it."""
    share()
    RATE_LIMIT_HITS.labels(limit).inc()


def count_embeddings(model: str, texts: int) -> None:
    """Hook for embedding jobs: one finished batch of `texts` texts."""
    share()
    EMBEDDED_ITEMS.labels(model).inc(texts)
    EMBEDDING_BATCHES.labels(model).inc()


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format, with its content type: every worker's with Redis, else this one's."""
    url = get_settings().redis_url
    return (generate_latest(REGISTRY) if url is None else cluster_exposition(url)), CONTENT_TYPE_LATEST


def recent_requests(model: str | None = None, limit: int = 50) -> list[ModelRequest]:
    """The newest requests, optionally for one model."""
    query = select(ModelRequest).order_by(col(ModelRequest.id).desc()).limit(limit)
    if model is not None:
        query = query.where(ModelRequest.model == model)
    with session_scope() as session:
        return list(session.exec(query).all())
