"""Migrations build the schema from nothing on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from tests.support.postgres import postgres_server
from workshop_app.db.engine import build_engine
from workshop_app.db.migrations import current_tables, downgrade_database, upgrade_database
from workshop_app.settings import Settings

EXPECTED_TABLES = {
    "alembic_version",
    "model_request",
    "user_account",
    "auth_session",
    "api_key",
    "workshop",
    "workshop_member",
    "document",
    "vector_collection",
    "collection_document",
    "rag_system",
    "tool_definition",
    "chat",
    "chat_message",
    "prompt",
    "prompt_version",
}

# Columns added to existing tables by later revisions (tables above appear whole).
EXPECTED_COLUMNS = {
    "chat": {"tool_ids"},
    "chat_message": {"tool_messages", "tool_trace"},
    "model_request": {"eval_ms", "wait_ms"},
    "rag_system": {"tool_ids"},
}


def _columns(settings: Settings) -> dict[str, set[str]]:
    engine = build_engine(settings)
    try:
        inspector = inspect(engine)
        return {table: {column["name"] for column in inspector.get_columns(table)} for table in EXPECTED_COLUMNS}
    finally:
        engine.dispose()


def _round_trip(settings: Settings) -> None:
    upgrade_database(settings)
    assert current_tables(settings) >= EXPECTED_TABLES
    assert all(EXPECTED_COLUMNS[table] <= columns for table, columns in _columns(settings).items())
    downgrade_database(settings, "base")
    assert current_tables(settings) == {"alembic_version"}
    upgrade_database(settings)
    assert current_tables(settings) >= EXPECTED_TABLES


def test_sqlite_migrates_up_and_down_and_runs_in_wal_mode(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    _round_trip(settings)
    engine = build_engine(settings)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.mark.postgres
def test_postgres_migrates_up_and_down(tmp_path: Path, postgres_url: str) -> None:
    _round_trip(Settings(data_dir=tmp_path, database_url=postgres_url))


@pytest.mark.postgres
def test_postgres_engine_uses_the_configured_pool(tmp_path: Path, postgres_url: str) -> None:
    engine = build_engine(Settings(data_dir=tmp_path, database_url=postgres_url, db_pool_size=7, db_max_overflow=3))
    assert engine.pool.size() == 7
    assert engine.pool._max_overflow == 3  # no public accessor
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
