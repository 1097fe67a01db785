"""Retrieval question sets: questions about a collection, each naming the document (and
optionally the passage) a good search should find, so recall@k and MRR can be measured."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import JSON, Column, Field

from workshop_app.db.ownership import Owned
from workshop_app.db.users import utcnow


class QuestionSet(Owned, table=True):
    """`questions` is a list of {"question", "document_id", "title", "expected_text"}; saved whole, never in parts."""

    __tablename__ = "question_set"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    collection_id: int = Field(foreign_key="vector_collection.id", index=True, ondelete="CASCADE")
    top_k: int = 3
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
