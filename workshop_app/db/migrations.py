"""Run Alembic programmatically, so `workshop run` can upgrade before serving."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import inspect

from alembic import command
from workshop_app import app_files
from workshop_app.db.engine import build_engine
from workshop_app.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the workshop_app package: the source checkout, or site-packages once installed."""


def alembic_config() -> Config:
    config = Config(str(app_files.ALEMBIC_INI))
    config.set_main_option("script_location", str(app_files.ALEMBIC_DIR))
    return config


def upgrade_database(settings: Settings, revision: str = "head") -> None:
    """Bring the settings' database to `revision` (the newest by default)."""
    _run(settings, lambda config: command.upgrade(config, revision))


def downgrade_database(settings: Settings, revision: str) -> None:
    _run(settings, lambda config: command.downgrade(config, revision))


def current_tables(settings: Settings) -> set[str]:
    engine = build_engine(settings)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _run(settings: Settings, action) -> None:
    config = alembic_config()
    engine = build_engine(settings)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            action(config)
    finally:
        engine.dispose()
