"""Imports every table module so SQLModel.metadata is complete (Alembic reads it)."""

from workshop_app.db.model_requests import ModelRequest
from workshop_app.db.users import ApiKey, AuthSession, User
from workshop_app.db.workshops import Workshop, WorkshopMember

__all__ = ["ApiKey", "AuthSession", "ModelRequest", "User", "Workshop", "WorkshopMember"]
