"""RAG systems: a named recipe of chat model, collections, prompt template, retrieval limits and tools."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import JSON, Column, Field, Text

from workshop_app.db.ownership import Owned
from workshop_app.db.users import utcnow


class RagSystem(Owned, table=True):
    __tablename__ = "rag_system"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    chat_model: str = Field(max_length=200)
    collection_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    prompt_template: str = Field(sa_column=Column(Text, nullable=False))
    top_k: int = 4
    score_threshold: float = 0.0
    num_ctx: int = 4096
    tool_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    created_at: datetime = Field(default_factory=utcnow)
