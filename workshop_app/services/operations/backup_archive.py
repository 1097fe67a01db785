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
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.operations.backup_errors import DamagedArchive

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
    """Unpack a backup into `target` and check every file against the manifest; returns the manifest."""
    return unpack_verified(archive_path, target, "backup archive", _backup_format)


def _backup_format(manifest: dict[str, Any]) -> str | None:
    version = manifest["format"]
    return None if version == FORMAT_VERSION else f"uses backup format {version}; this version reads {FORMAT_VERSION}"


def unpack_verified(
    archive_path: Path,
    target: Path,
    what: str,
    refusal: Callable[[dict[str, Any]], str | None],
    error: type[WorkshopError] = DamagedArchive,
) -> dict[str, Any]:
    """Unpack a manifest-carrying archive into `target`, refusing it with `error` unless every file is whole.

    `refusal` reads the manifest and says why this kind or version of archive is not
    accepted (a KeyError or TypeError from it counts as a damaged manifest).
    """
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(target, filter="data")  # refuses absolute paths, links out, devices
            _read_to_end(archive)
    except _READ_ERRORS as problem:
        raise error(f"{archive_path.name} is damaged or not a {what} ({_why(problem)})") from None
    manifest_path = target / MANIFEST
    if not manifest_path.is_file():
        raise error(f"{archive_path.name} has no manifest; it is not a {what}")
    try:
        manifest = json.loads(manifest_path.read_text())
        listed: dict[str, dict[str, Any]] = manifest["files"]
        reason = refusal(manifest)
    except (ValueError, KeyError, TypeError):
        raise error(f"{archive_path.name} has a damaged manifest") from None
    if reason:
        raise error(f"{archive_path.name} {reason}")
    manifest_path.unlink()
    found = checksums(target)
    for relative, expected in sorted(listed.items()):
        if relative not in found:
            raise error(f"{archive_path.name} is damaged: {relative} is missing")
        if found[relative] != expected:
            raise error(f"{archive_path.name} is damaged: checksum mismatch for {relative}")
    extra = sorted(set(found) - set(listed))
    if extra:
        raise error(f"{archive_path.name} holds files its manifest does not list ({extra[0]})")
    return manifest


def _read_to_end(archive: tarfile.TarFile) -> None:
    """Tar stops at its end marker; reading the gzip stream on to its end checks its CRC and length,
    so a copy missing its last bytes is refused rather than taken for whole."""
    stream = archive.fileobj
    assert stream is not None
    while stream.read(1024 * 1024):
        pass


def app_version() -> str:
    try:
        return version("workshop-app")
    except PackageNotFoundError:
        return "unknown (not installed as a package)"


def _why(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
