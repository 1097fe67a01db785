"""The blind arena: a workshop's open arena (its models) and each attendee's rounds with their vote.

A round keeps which model answered as "A" and which as "B"; the names leave the database
for the attendee only once the round has a vote (see services/arena).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import JSON, Column, Field, SQLModel

from workshop_app.db.model_requests import utcnow


class Arena(SQLModel, table=True):
    """One arena per workshop; opening it again replaces its models and keeps the votes."""

    __tablename__ = "arena"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", unique=True, index=True, ondelete="CASCADE")
    models: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    opened_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    is_open: bool = True
    opened_at: datetime = Field(default_factory=utcnow)


class ArenaRound(SQLModel, table=True):
    """One prompt answered by two models shown as A and B; `vote` is a Vote value once the attendee judged."""

    __tablename__ = "arena_round"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    attendee_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    prompt: str = Field(max_length=20_000)
    model_a: str = Field(max_length=200)
    model_b: str = Field(max_length=200)
    reply_a: str = ""
    reply_b: str = ""
    vote: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    voted_at: datetime | None = None
