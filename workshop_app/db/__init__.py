"""Persistence: the engine/session factory and the SQLModel tables."""
