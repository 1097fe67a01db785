"""Questions a person asked a RAG system and the answers they got, kept like Playground chats.

Each row keeps what the RAG page shows of an answer: its text and how it ended, the
sources and everything the inspector shows (retrieved chunks with scores and fates,
the exact prompt, the token budget, warnings) and the trace of tool calls.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel, Text

from workshop_app.db.model_requests import utcnow


class RagAnswer(SQLModel, table=True):
    """One question and its answer, of one person (`user_id`) to one RAG system; theirs alone."""

    __tablename__ = "rag_answer"

    id: int | None = Field(default=None, primary_key=True)
    rag_system_id: int = Field(foreign_key="rag_system.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    question: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="done", max_length=20, description="done, stopped or failed")
    error: str = Field(default="", max_length=1000)
    inspection: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    tool_trace: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
