"""Help requests: an attendee's raised hand, with a copy of what they chose to share.

The copy (`shared`) is taken when the hand goes up, so the instructor reads exactly what
was shared and nothing else of the attendee's private items.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel

from workshop_app.db.model_requests import utcnow


class HelpKind(StrEnum):
    CHAT = "chat"  # a Playground chat
    RAG = "rag"  # a question asked of a RAG system


class HelpRequest(SQLModel, table=True):
    """`shared` is a list of {"role", "content"} turns (and, for RAG, the sources under "sources")."""

    __tablename__ = "help_request"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    requester_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=20, description="a HelpKind value")
    title: str = Field(max_length=200)
    shared: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    done_at: datetime | None = None
    done_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
