"""Uploaded documents: who owns them, where the original file lies, and their extracted text.

The original is stored under a generated name (`stored_name`); the uploaded file name is
only a label (`title`) and never becomes part of a path.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, Text

from workshop_app.db.ownership import Owned
from workshop_app.db.users import utcnow


class Document(Owned, table=True):
    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=255, description="the uploaded file name, as a label")
    kind: str = Field(max_length=10, description="an extraction.Kind value")
    stored_name: str = Field(max_length=80, unique=True, description="generated file name under <data_dir>/uploads")
    size_bytes: int
    sha256: str = Field(max_length=64, index=True)
    char_count: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
