"""The prompt library: an owned prompt and its versions, every save a new version.

`source_id` links an attendee's copy to the prompt an instructor pushed, so pushing
it again adds a version to the copy instead of a second copy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import JSON, Column, Field, SQLModel, Text

from workshop_app.db.model_requests import utcnow
from workshop_app.db.ownership import Owned


class Prompt(Owned, table=True):
    __tablename__ = "prompt"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = Field(default=1, description="the number of the current version")
    source_id: int | None = Field(default=None, foreign_key="prompt.id", index=True, ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PromptVersion(SQLModel, table=True):
    """The text of a prompt as saved once; never changed afterwards."""

    __tablename__ = "prompt_version"
    __table_args__ = (UniqueConstraint("prompt_id", "number", name="uq_prompt_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    prompt_id: int = Field(foreign_key="prompt.id", index=True, ondelete="CASCADE")
    number: int
    system_prompt: str = Field(default="", sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    note: str = Field(default="", max_length=200, description="what changed, e.g. 'restored version 2'")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
