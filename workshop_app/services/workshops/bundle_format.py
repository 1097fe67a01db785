"""The workshop bundle file: a gzip'd tar of `manifest.json`, `workshop.json`, `tools.json` and the documents.

It is the backup archive's format (see `backup_archive`) with its own manifest kind and
format number, so a backup is never mistaken for a bundle and a bundle from a newer app
is refused instead of half-read. Nothing of Chroma travels: vectors are made again from
the documents by the importing app's embedding jobs.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.operations.backup_archive import app_version, checksums, unpack_verified, write_archive

KIND = "workshop-bundle"
FORMAT_VERSION = 1
CONTENTS, TOOLS = "workshop.json", "tools.json"
DOCUMENTS_DIR = "documents"
SUFFIX = ".workshop.tar.gz"


class DamagedBundle(InvalidInput):
    hint = "Export the workshop again from the app it came from; nothing was imported."


def write_bundle(
    contents: dict[str, Any], tools_json: str, documents: dict[str, bytes], counts: dict[str, int]
) -> bytes:
    """The bundle's bytes; `documents` maps each file's path inside the bundle to its original bytes."""
    with tempfile.TemporaryDirectory(prefix="bundle-") as work:
        staging = Path(work) / "files"
        (staging / DOCUMENTS_DIR).mkdir(parents=True)
        (staging / CONTENTS).write_text(json.dumps(contents, indent=2, ensure_ascii=False))
        (staging / TOOLS).write_text(tools_json)
        for relative, data in documents.items():
            (staging / relative).write_bytes(data)
        manifest = {
            "kind": KIND,
            "format": FORMAT_VERSION,
            "app_version": app_version(),
            "created_at": datetime.now(UTC).isoformat(),
            "counts": counts,
            "files": checksums(staging),
        }
        target = Path(work) / "bundle.tar.gz"
        write_archive(staging, manifest, target)
        return target.read_bytes()


def read_bundle(path: Path, work: Path) -> tuple[dict[str, Any], str]:
    """Unpack into `work` after checking kind, format and every checksum; returns (contents, tools JSON)."""
    unpack_verified(path, work, "workshop bundle", _refusal, DamagedBundle)
    try:
        return json.loads((work / CONTENTS).read_text()), (work / TOOLS).read_text()
    except (OSError, ValueError):
        raise DamagedBundle(f"{path.name} lacks a readable {CONTENTS} or {TOOLS}") from None


def document_path(index: int, kind: str) -> str:
    return f"{DOCUMENTS_DIR}/{index}.{kind}"


def bundle_file(work: Path, relative: str) -> Path:
    """A file listed by the contents, which must lie in the documents folder of the unpacked bundle."""
    path = (work / relative).resolve()
    if path.parent != (work / DOCUMENTS_DIR).resolve() or not path.is_file():
        raise DamagedBundle(f"the bundle lists a document it does not hold ({relative})")
    return path


def _refusal(manifest: dict[str, Any]) -> str | None:
    if manifest.get("kind") != KIND:
        return "is not a workshop bundle (a backup archive is restored with `workshop restore`)"
    version = manifest["format"]
    if not isinstance(version, int):
        raise TypeError(version)
    if version > FORMAT_VERSION:
        return f"uses bundle format {version}, newer than this app reads ({FORMAT_VERSION}); update the app first"
    if version != FORMAT_VERSION:
        return f"uses bundle format {version}; this app reads format {FORMAT_VERSION}"
    return None
