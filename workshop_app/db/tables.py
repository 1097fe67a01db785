"""Imports every table module so SQLModel.metadata is complete (Alembic reads it)."""

from workshop_app.db.model_requests import ModelRequest

__all__ = ["ModelRequest"]
