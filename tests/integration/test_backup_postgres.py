"""Backup and restore on PostgreSQL: pg_dump of the live database, pg_restore into an empty one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from tests.support.postgres import postgres_server
from workshop_app.db.engine import build_engine
from workshop_app.db.migrations import upgrade_database
from workshop_app.db.model_requests import ModelRequest, Outcome
from workshop_app.services.operations.backup import create_backup, restore_backup
from workshop_app.services.operations.backup_errors import TargetNotEmpty
from workshop_app.settings import Settings

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def _count(settings: Settings) -> int:
    engine = build_engine(settings)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM model_request")).scalar_one()
    finally:
        engine.dispose()


def test_postgres_round_trip(tmp_path: Path, postgres_url: str) -> None:
    source = Settings(data_dir=tmp_path / "data", database_url=postgres_url, backup_passphrase="pg pass")
    upgrade_database(source)
    engine = build_engine(source)
    with Session(engine) as session:
        session.add_all(
            ModelRequest(backend_url="http://gpu:11434", model=f"m{i}", kind="chat", outcome=Outcome.SUCCESS)
            for i in range(25)
        )
        session.commit()
    engine.dispose()

    result = create_backup(source, passphrase="pg pass")
    assert result.manifest["database"]["kind"] == "postgresql"
    assert result.manifest["alembic_revision"]

    admin = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE restored"))
    admin.dispose()
    target = Settings(data_dir=tmp_path / "fresh", database_url=postgres_url.rsplit("/", 1)[0] + "/restored")
    restore_backup(target, result.path, passphrase="pg pass")
    assert _count(target) == _count(source) == 25

    with pytest.raises(TargetNotEmpty, match="already has tables"):
        restore_backup(
            Settings(data_dir=tmp_path / "other", database_url=postgres_url), result.path, passphrase="pg pass"
        )
