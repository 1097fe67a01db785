"""Why a backup or restore was refused; each message fits on one line of a terminal."""

from __future__ import annotations

from workshop_app.services.core.errors import WorkshopError


class BackupError(WorkshopError):
    status_code = 409


class DamagedArchive(BackupError):
    status_code = 422
    hint = "Use another archive; this one cannot be restored."


class WrongPassphrase(BackupError):
    status_code = 422
    hint = "Use the passphrase the archive was written with (WORKSHOP_BACKUP_PASSPHRASE or the prompt)."


class TargetNotEmpty(BackupError):
    hint = "Restore into a new, empty data directory (WORKSHOP_DATA_DIR) and an empty database."
