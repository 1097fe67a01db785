"""One row per model request the platform sent, so metrics come from real traffic."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Outcome(StrEnum):
    SUCCESS = "success"
    ERROR = "error"
    CANCELLED = "cancelled"


class ModelRequest(SQLModel, table=True):
    """A finished (or failed, or stopped) request to one model on one backend."""

    __tablename__ = "model_request"

    id: int | None = Field(default=None, primary_key=True)
    backend_url: str = Field(max_length=500, index=True)
    model: str = Field(max_length=300, index=True)
    kind: str = Field(max_length=20, description="chat, generate or embed")
    outcome: str = Field(max_length=20, description="an Outcome value")
    started_at: datetime = Field(default_factory=utcnow, index=True)
    duration_ms: float = 0.0
    ttft_ms: float | None = None
    eval_ms: float | None = Field(default=None, description="generation time the backend reported (eval_duration)")
    wait_ms: float | None = Field(default=None, description="time in the fair queue before the host's slot was given")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = Field(default=None, max_length=1000)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
