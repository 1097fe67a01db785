"""Recording of model requests, the raw material of per-model metrics."""

from __future__ import annotations

from sqlmodel import col, select

from workshop_app.db.engine import session_scope
from workshop_app.db.model_requests import ModelRequest


def record_request(row: ModelRequest) -> None:
    """Persist one finished request (a short synchronous write, safe in a `finally`)."""
    with session_scope() as session:
        session.add(row)


def recent_requests(model: str | None = None, limit: int = 50) -> list[ModelRequest]:
    """The newest requests, optionally for one model."""
    query = select(ModelRequest).order_by(col(ModelRequest.id).desc()).limit(limit)
    if model is not None:
        query = query.where(ModelRequest.model == model)
    with session_scope() as session:
        return list(session.exec(query).all())
