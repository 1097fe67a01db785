"""Backups taken while the app runs, and restores that prove the copy is whole first.

What goes in: the database (SQLite through its online backup API, which copies a
consistent snapshot while writers carry on; Postgres through `pg_dump`, which reads
one transaction snapshot), the embedded Chroma directory copied with Chroma writes
paused, the uploaded files, the generated secret key, and a manifest with versions
and checksums. Restores go only into an empty data directory and an empty database,
so a restore can never mix two states.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, make_url, text

from workshop_app.db.engine import build_engine
from workshop_app.services.operations.backup_archive import (
    FORMAT_VERSION,
    app_version,
    checksums,
    extract_verified,
    write_archive,
)
from workshop_app.services.operations.backup_crypto import decrypt_file, encrypt_file, is_encrypted
from workshop_app.services.operations.backup_errors import BackupError, TargetNotEmpty
from workshop_app.services.operations.logs import get_logger
from workshop_app.services.rag.chroma_lock import LOCK_FILE, chroma_paused
from workshop_app.settings import SECRET_KEY_FILE, Settings

log = get_logger(__name__)

PREFIX = "workshop-backup-"
PLAIN_SUFFIX = ".tar.gz"
ENCRYPTED_SUFFIX = ".tar.gz.enc"
_ARCHIVE_NAME = re.compile(rf"^{PREFIX}\d{{8}}-\d{{6}}-\d{{6}}(\.tar\.gz|\.tar\.gz\.enc)$")
SQLITE_FILE = "database/workshop.db"
POSTGRES_FILE = "database/postgres.dump"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    removed: list[Path] = field(default_factory=list)


# -- backup -------------------------------------------------------------------------------


def create_backup(settings: Settings, *, passphrase: str | None = None, keep: int | None = None) -> BackupResult:
    """Write one archive into the backup directory, then keep only the newest `keep` archives."""
    backup_dir = settings.backup_dir
    assert backup_dir is not None
    backup_dir.mkdir(parents=True, exist_ok=True)
    name = PREFIX + datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f") + (ENCRYPTED_SUFFIX if passphrase else PLAIN_SUFFIX)
    target = backup_dir / name
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=backup_dir) as work:
        staging = Path(work) / "files"
        staging.mkdir()
        manifest = _stage(settings, staging)
        plain = Path(work) / "archive.tar.gz"
        write_archive(staging, manifest, plain)
        partial = backup_dir / f".partial-{name}"
        if passphrase:
            encrypt_file(plain, partial, passphrase)
        else:
            shutil.move(plain, partial)
        os.replace(partial, target)  # an archive under its final name is always complete
    removed = prune_backups(backup_dir, keep or settings.backup_keep)
    log.info(
        "backup.written", path=str(target), bytes=target.stat().st_size, encrypted=bool(passphrase), pruned=len(removed)
    )
    return BackupResult(target, manifest, removed)


def _stage(settings: Settings, staging: Path) -> dict[str, Any]:
    (staging / "database").mkdir()
    if settings.is_sqlite:
        database = _snapshot_sqlite(_sqlite_path(settings), staging / SQLITE_FILE)
    else:
        database = _dump_postgres(settings, staging / POSTGRES_FILE)
    chroma = _stage_chroma(settings, staging / "chroma")
    if settings.uploads_dir.is_dir():
        # Hidden files are uploads still being written (they land whole, by rename).
        shutil.copytree(
            settings.uploads_dir,
            staging / "uploads",
            ignore=shutil.ignore_patterns(".*"),
            copy_function=_copy_if_still_there,
        )
    secret = settings.data_dir / SECRET_KEY_FILE
    if secret.is_file():
        shutil.copy2(secret, staging / SECRET_KEY_FILE)
    return {
        "format": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "app_version": app_version(),
        "alembic_revision": database.pop("revision"),
        "database": database,
        "chroma": chroma,
        "files": checksums(staging),
    }


def _copy_if_still_there(source: str | Path, target: str | Path) -> None:
    """Copy one upload; one deleted (its document removed) while the backup runs is simply not in it."""
    with suppress(FileNotFoundError):
        shutil.copy2(source, target)


def _sqlite_path(settings: Settings) -> Path:
    return Path(make_url(settings.database_url).database or "").resolve()


def _snapshot_sqlite(source: Path, target: Path) -> dict[str, Any]:
    if not source.is_file():
        raise BackupError(f"there is no database at {source} to back up")
    with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)  # one step: a consistent snapshot, the app's writers are not blocked
        copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
        tables = [row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        counts = {table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
        revision = _sqlite_revision(copy) if "alembic_version" in counts else None
    return {"kind": "sqlite", "file": SQLITE_FILE, "tables": counts, "revision": revision}


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _stage_chroma(settings: Settings, target: Path) -> str:
    if settings.chroma_url is not None:
        return "server: back up the Chroma server's own data directory"
    source = settings.chroma_path
    if source is None or not source.is_dir():
        return "none"
    with chroma_paused(settings.data_dir):
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(LOCK_FILE))
    return "embedded"


# -- Postgres -----------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    found = shutil.which(name) or (installed[-1] if installed else None)
    if not found:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client)")
    return found


def _pg_environment(settings: Settings) -> dict[str, str]:
    """Connection details as libpq variables, so the password never shows on a command line."""
    url = make_url(settings.database_url)
    values = {
        "PGHOST": url.host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    return {**os.environ, **{key: str(value) for key, value in values.items() if value is not None}}


def _run_pg(settings: Settings, command: list[str], action: str) -> None:
    completed = subprocess.run(command, env=_pg_environment(settings), capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        detail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise BackupError(f"{action} failed: {detail}")


def _dump_postgres(settings: Settings, target: Path) -> dict[str, Any]:
    revision = _database_revision(settings)
    _run_pg(settings, [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"], "pg_dump")
    return {"kind": "postgresql", "file": POSTGRES_FILE, "tables": None, "revision": revision}


def _database_revision(settings: Settings) -> str | None:
    engine = build_engine(settings)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


# -- restore ------------------------------------------------------------------------------


def restore_backup(settings: Settings, archive: Path, *, passphrase: str | None = None) -> dict[str, Any]:
    """Verify `archive` completely, then put its contents in place; returns its manifest.

    Refuses (BackupError) a non-empty target, a damaged archive and a wrong passphrase;
    after a refusal the data directory is left as empty as it was found.
    """
    archive = archive.resolve()
    if not archive.is_file():
        raise BackupError(f"there is no archive at {archive}")
    if is_encrypted(archive) and not passphrase:
        raise BackupError(
            f"{archive.name} is encrypted; give its passphrase (WORKSHOP_BACKUP_PASSPHRASE or the prompt)"
        )
    _require_empty_target(settings)
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix=".restore-", dir=data_dir) as work:
            plain = archive
            if passphrase and is_encrypted(archive):
                plain = Path(work) / "archive.tar.gz"
                decrypt_file(archive, plain, passphrase)
            files = Path(work) / "files"
            manifest = extract_verified(plain, files)
            _place(settings, manifest, files)
    except BaseException:
        _empty(data_dir)
        raise
    log.info(
        "backup.restored",
        archive=str(archive),
        created_at=manifest.get("created_at"),
        revision=manifest.get("alembic_revision"),
    )
    return manifest


def _require_empty_target(settings: Settings) -> None:
    if settings.data_dir.exists() and any(settings.data_dir.iterdir()):
        raise TargetNotEmpty(f"the data directory {settings.data_dir} is not empty; restore only into an empty one")
    if settings.is_sqlite:
        if _sqlite_path(settings).exists():
            raise TargetNotEmpty(f"a database already exists at {_sqlite_path(settings)}")
        return
    engine = build_engine(settings)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise TargetNotEmpty(
            f"the database already has tables ({', '.join(sorted(tables)[:3])}, ...); restore only into an empty one"
        )


def _place(settings: Settings, manifest: dict[str, Any], files: Path) -> None:
    kind = manifest["database"]["kind"]
    configured = "sqlite" if settings.is_sqlite else "postgresql"
    if kind != configured:
        raise BackupError(f"the archive holds a {kind} database but the configured database is {configured}")
    if kind == "sqlite":
        database = _sqlite_path(settings)
        database.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(files / SQLITE_FILE, database)
    else:
        restore = [_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction"]
        _run_pg(
            settings,
            [*restore, f"--dbname={make_url(settings.database_url).database}", str(files / POSTGRES_FILE)],
            "pg_restore",
        )
    if (files / "chroma").is_dir() and settings.chroma_path is not None:
        shutil.move(files / "chroma", settings.chroma_path)
    if (files / "uploads").is_dir():
        shutil.move(files / "uploads", settings.uploads_dir)
    if (files / SECRET_KEY_FILE).is_file():
        secret = settings.data_dir / SECRET_KEY_FILE
        shutil.move(files / SECRET_KEY_FILE, secret)
        secret.chmod(0o600)


def _empty(directory: Path) -> None:
    for entry in directory.iterdir() if directory.exists() else []:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


# -- retention and schedule ---------------------------------------------------------------


def list_backups(directory: Path) -> list[Path]:
    """This platform's archives in `directory`, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if _ARCHIVE_NAME.match(path.name))


def prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives; returns what was deleted."""
    if keep < 1:
        raise ValueError("keep at least one archive")
    doomed = list_backups(directory)[:-keep]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in `30m`, `24h`, `1h30m`, `2d`; ValueError for anything else."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not parts or "".join(number + unit for number, unit in parts) != compact:
        raise ValueError(f"{text!r} is not a duration (examples: 30m, 24h, 1h30m, 2d)")
    seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return seconds


class BackupSchedule:
    """Backups every `interval` seconds in a background thread, for `workshop run --backup-every`.

    A failed backup is logged and reported, and the schedule carries on: the next
    run may well succeed (a full disk gets cleaned up, a database comes back).
    """

    def __init__(self, settings: Settings, interval: float, report: Callable[[str], None]) -> None:
        self._settings = settings
        self._interval = interval
        self._report = report
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="workshop-backups", daemon=True)

    def start(self) -> BackupSchedule:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        passphrase = self._settings.backup_passphrase
        while not self._stop.wait(self._interval):
            try:
                result = create_backup(self._settings, passphrase=passphrase.get_secret_value() if passphrase else None)
            except Exception as error:  # a failed run must not end the schedule
                log.error("backup.failed", error=str(error))
                self._report(f"Scheduled backup failed: {error}")
            else:
                self._report(f"Backup written: {result.path}")
