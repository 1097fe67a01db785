"""Recipes of models built on the platform: a base model plus a system prompt, parameters, template and examples.

The model itself lives on the Ollama hosts; the recipe is what the catalog shows as its
origin (base and author), what a rebuild starts from, and what a workshop bundle carries
so the model can be made again on another machine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import JSON, Column, Field, Text

from workshop_app.db.model_requests import utcnow
from workshop_app.db.ownership import Owned, Visibility


class ModelRecipe(Owned, table=True):
    """One built model, by its full name (`name:tag`); its creator is the author shown in the catalog."""

    __tablename__ = "model_recipe"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300, unique=True, index=True)
    base: str = Field(max_length=300)
    system: str = Field(default="", sa_column=Column(Text, nullable=False))
    template: str = Field(default="", sa_column=Column(Text, nullable=False))
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    messages: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    visibility: str = Field(default=Visibility.PUBLIC, max_length=20, description="a Visibility value")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
