"""The data directory is the platform's alone: directories 700, files 600 (database, uploads, backups, Chroma)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from workshop_app.file_modes import make_private


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _workshop(data_dir: Path, *args: str) -> None:
    env = {**os.environ, "WORKSHOP_DATA_DIR": str(data_dir), "WORKSHOP_DATABASE_URL": ""}
    command = [sys.executable, "-m", "workshop_app.cli", *args]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)


def test_commands_create_the_data_directory_and_its_files_for_their_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _workshop(data_dir, "db", "upgrade")
    _workshop(data_dir, "backup")
    assert _mode(data_dir) == 0o700
    written = [path for path in data_dir.rglob("*") if not path.is_symlink()]
    assert any(path.suffix == ".db" for path in written)
    assert any(path.name.endswith((".tar.gz", ".tar")) for path in written)
    loose = {str(path.relative_to(data_dir)): oct(_mode(path)) for path in written if _mode(path) & 0o077}
    assert loose == {}


def test_an_existing_install_is_tightened(tmp_path: Path) -> None:
    uploads = tmp_path / "data" / "uploads"
    uploads.mkdir(parents=True, mode=0o755)
    (tmp_path / "data").chmod(0o755)
    document = uploads / "notes.pdf"
    document.write_bytes(b"%PDF")
    document.chmod(0o644)
    make_private([tmp_path / "data"])
    assert (_mode(tmp_path / "data"), _mode(uploads), _mode(document)) == (0o700, 0o700, 0o600)
