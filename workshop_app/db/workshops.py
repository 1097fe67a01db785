"""Workshops and who is in them.

A workshop is itself an owned resource: its creator (an instructor) runs it, its
attendees may read it. An attendee is a member of at most one workshop at a time.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import JSON, Column, Field, SQLModel

from workshop_app.db.model_requests import utcnow
from workshop_app.db.ownership import Visibility


class Workshop(SQLModel, table=True):
    __tablename__ = "workshop"

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=120)
    description: str = Field(default="", max_length=2000)
    join_code: str = Field(max_length=40, unique=True, index=True)
    allowed_models: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    requests_per_minute: int | None = Field(default=None, description="per attendee; None = no limit")
    tokens_per_day: int | None = Field(default=None, description="per attendee; None = no limit")
    is_open: bool = True
    attendees_build_models: bool = Field(default=False, description="attendees may build models (the model builder)")
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def workshop_id(self) -> int | None:
        return self.id

    @property
    def visibility(self) -> str:
        return Visibility.WORKSHOP


class WorkshopMember(SQLModel, table=True):
    """An attendee's place in a workshop; `removed_at` set means they lost access."""

    __tablename__ = "workshop_member"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", unique=True, index=True, ondelete="CASCADE")
    joined_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
