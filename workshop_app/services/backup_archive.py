"""The archive format: a gzip'd tar holding `manifest.json` plus the files it lists.

The manifest records what was backed up (versions, database kind, row counts) and
the sha256 and size of every file, so a restore can prove the copy is whole before
anything is put in place.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import zlib
from pathlib import Path
from typing import Any

from workshop_app.services.backup_errors import DamagedArchive

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
_READ_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def checksums(root: Path) -> dict[str, dict[str, Any]]:
    """sha256 and size of every file under `root`, keyed by its relative POSIX path."""
    return {
        path.relative_to(root).as_posix(): {"sha256": sha256_of(path), "size": path.stat().st_size}
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def write_archive(staging: Path, manifest: dict[str, Any], target: Path) -> None:
    """Pack the staged files with the manifest (written first, so it is read first)."""
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    with tarfile.open(target, "w:gz") as archive:
        archive.add(staging / MANIFEST, arcname=MANIFEST)
        for relative in manifest["files"]:
            archive.add(staging / relative, arcname=relative, recursive=False)


def extract_verified(archive_path: Path, target: Path) -> dict[str, Any]:
    """Unpack into `target` and check every file against the manifest; returns the manifest."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(target, filter="data")  # refuses absolute paths, links out, devices
    except _READ_ERRORS as error:
        raise DamagedArchive(f"{archive_path.name} is damaged or not a backup archive ({_why(error)})") from None
    manifest_path = target / MANIFEST
    if not manifest_path.is_file():
        raise DamagedArchive(f"{archive_path.name} has no manifest; it is not a workshop backup")
    try:
        manifest = json.loads(manifest_path.read_text())
        listed: dict[str, dict[str, Any]] = manifest["files"]
        version = manifest["format"]
    except (ValueError, KeyError, TypeError):
        raise DamagedArchive(f"{archive_path.name} has a damaged manifest") from None
    if version != FORMAT_VERSION:
        raise DamagedArchive(f"{archive_path.name} uses backup format {version}; this version reads {FORMAT_VERSION}")
    manifest_path.unlink()
    found = checksums(target)
    for relative, expected in sorted(listed.items()):
        if relative not in found:
            raise DamagedArchive(f"{archive_path.name} is damaged: {relative} is missing")
        if found[relative] != expected:
            raise DamagedArchive(f"{archive_path.name} is damaged: checksum mismatch for {relative}")
    extra = sorted(set(found) - set(listed))
    if extra:
        raise DamagedArchive(f"{archive_path.name} holds files its manifest does not list ({extra[0]})")
    return manifest


def _why(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
