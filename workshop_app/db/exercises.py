"""Exercises an instructor sets in a workshop, and each attendee's submissions with their check results.

An exercise keeps its checks as JSON (one object per check, see services/exercises/checks);
a submission keeps a copy of what was submitted and what each check said, so the result an
attendee saw stays the same after the chat or RAG answer it came from is deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel, Text

from workshop_app.db.model_requests import utcnow


class Exercise(SQLModel, table=True):
    """`start_kind` is empty, prompt, tool or rag_system; `start_id` the prompt, tool or system it starts from."""

    __tablename__ = "exercise"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    creator_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    title: str = Field(max_length=200)
    instructions: str = Field(default="", sa_column=Column(Text, nullable=False))
    start_kind: str = Field(default="empty", max_length=20)
    start_id: int | None = None
    checks: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    model_answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    answer_revealed: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class ExerciseSubmission(SQLModel, table=True):
    """One attempt: what was submitted (a chat reply or a RAG answer) and each check's verdict."""

    __tablename__ = "exercise_submission"

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True, ondelete="CASCADE")
    attendee_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    source: str = Field(max_length=40, description="chat_message:<id> or rag_answer:<id>")
    reply: str = Field(default="", sa_column=Column(Text, nullable=False))
    results: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    passed: bool = False
    created_at: datetime = Field(default_factory=utcnow)
