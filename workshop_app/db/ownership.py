"""The ownership columns every shared resource carries, so one policy can judge them all.

A resource table (prompts, tools, documents, collections, RAG systems, chats, ...)
inherits `Owned` and gets `creator_id`, `workshop_id` and `visibility`; the policy in
`services/workshops/policy.py` then decides read / write / delete for any of them.
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Field, SQLModel


class Visibility(StrEnum):
    PRIVATE = "private"  # the creator only (admins moderate through an explicit, logged action)
    WORKSHOP = "workshop"  # everyone in the resource's workshop
    PUBLIC = "public"  # every signed-in user


class Owned(SQLModel):
    """Mixin (not a table): inherit it in a `table=True` model to make the resource ownable."""

    creator_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    workshop_id: int | None = Field(default=None, foreign_key="workshop.id", index=True, ondelete="SET NULL")
    visibility: str = Field(default=Visibility.PRIVATE, max_length=20, description="a Visibility value")


class PrivateToCreator:
    """For rows that always belong to one person alone (an account, an API key)."""

    @property
    def workshop_id(self) -> int | None:
        return None

    @property
    def visibility(self) -> str:
        return Visibility.PRIVATE
