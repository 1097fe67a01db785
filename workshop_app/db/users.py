"""People and how they prove who they are: accounts, server-side sessions, API keys.

Only hashes of secrets are stored: argon2 for passwords, SHA-256 for the random
session tokens and API keys (high-entropy, so a fast hash is safe).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from workshop_app.db.model_requests import utcnow
from workshop_app.db.ownership import PrivateToCreator


class Role(StrEnum):
    ADMIN = "admin"
    INSTRUCTOR = "instructor"
    ATTENDEE = "attendee"


class User(PrivateToCreator, SQLModel, table=True):
    """An account. Attendees who joined with a code have no password until they set one."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True, description="lower-case sign-in name")
    display_name: str = Field(max_length=80)
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(default=Role.ATTENDEE, max_length=20, description="a Role value")
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    last_active_at: datetime | None = None

    # As a resource, an account is private to its holder (and admins); instructors
    # see their attendees through the workshop's roster instead.
    @property
    def creator_id(self) -> int | None:
        return self.id


class AuthSession(SQLModel, table=True):
    """A signed-in browser. The browser holds the token; the table holds its hash."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    client_ip: str = Field(default="", max_length=64)


class ApiKey(PrivateToCreator, SQLModel, table=True):
    """A personal key for the REST API, shown once at creation."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=16, description="the key's first characters, to recognise it in a list")
    key_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
