"""Tool definitions people save: an owned resource, one row per tool."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import JSON, Column, Field, Text

from workshop_app.db.ownership import Owned
from workshop_app.db.users import utcnow


class ToolRecord(Owned, table=True):
    """`parameters` is the JSON Schema offered to models; `implementation` holds the kind and its fields."""

    __tablename__ = "tool_definition"
    __table_args__ = (UniqueConstraint("creator_id", "name", name="uq_tool_definition_creator_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    description: str = Field(sa_column=Column(Text, nullable=False))
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    implementation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
