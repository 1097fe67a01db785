"""Installed models: manifests naming a GGUF blob plus the system prompt, parameters and template.

Layout (like Ollama's, so copies and derived models share one blob):
    <store>/manifests/<name>/<tag>.json   {"blob": "sha256-…", "system": …, "parameters": {…}, …}
    <store>/blobs/sha256-<hex>
GGUF files in the instructor's directory are models too (read-only, named after the file).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workshop_app.engine.catalog import CatalogModel, find, normalize_name

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)?:[a-z0-9][a-z0-9._-]*$")
_CHUNK = 4 << 20


class StoreError(Exception):
    """A store operation Ollama answers with an error: status plus message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ModelRecord:
    """A model as the API sees it: its name, its GGUF, and what it adds on top."""

    name: str
    path: Path
    digest: str
    modified_at: str
    system: str = ""
    template: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    messages: tuple[dict[str, Any], ...] = ()
    """Few-shot examples set by /api/create; a chat's own messages follow them."""
    parent: str = ""
    read_only: bool = False

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def _manifest_digest(data: dict[str, Any]) -> str:
    """The blob's digest for a plain model; a created one (own system prompt, template, parameters or
    examples) gets a digest of its whole manifest, as in Ollama, so clients caching /api/show per
    digest never take its base's answer for it."""
    content = {key: data[key] for key in ("system", "template", "parameters", "messages") if data.get(key)}
    if not content:
        return data["blob"].removeprefix("sha256-")
    return hashlib.sha256(json.dumps({"blob": data["blob"], **content}, sort_keys=True).encode()).hexdigest()


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def valid_name(name: str) -> str:
    """Normalized name, or 400: names become paths, so only Ollama's plain characters pass."""
    normalized = normalize_name(name).lower()
    if not _NAME.match(normalized) or ".." in normalized:
        raise StoreError(400, f"invalid model name {name!r}")
    return normalized


def _file_model_name(path: Path) -> str:
    stem = re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-._") or "model"
    return f"{stem}:latest"


class ModelStore:
    """Manifests and blobs on disk plus the read-only GGUF directory."""

    def __init__(self, root: Path, cache_dir: Path, gguf_dir: Path | None) -> None:
        self.root = root
        self.cache_dir = cache_dir
        self.gguf_dir = gguf_dir
        self.manifests = root / "manifests"
        self.blobs = root / "blobs"

    # -- reading ------------------------------------------------------------------------------

    def _manifest_path(self, name: str) -> Path:
        base, tag = name.rsplit(":", 1)
        return self.manifests / base / f"{tag}.json"

    def _record(self, name: str, manifest: Path) -> ModelRecord | None:
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError):
            return None
        return ModelRecord(
            name=name,
            path=self.blobs / data["blob"],
            digest=_manifest_digest(data),
            modified_at=data.get("modified_at") or _iso(manifest.stat().st_mtime),
            system=data.get("system") or "",
            template=data.get("template") or "",
            parameters=data.get("parameters") or {},
            messages=tuple(data.get("messages") or ()),
            parent=data.get("parent") or "",
        )

    def _file_records(self) -> Iterator[ModelRecord]:
        if self.gguf_dir is None or not self.gguf_dir.is_dir():
            return
        for path in sorted(self.gguf_dir.glob("*.gguf")):
            stat = path.stat()
            digest = hashlib.sha256(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
            yield ModelRecord(_file_model_name(path), path, digest, _iso(stat.st_mtime), read_only=True)

    def list(self) -> list[ModelRecord]:
        """Every model, newest first; a store model shadows a file of the same name."""
        records: dict[str, ModelRecord] = {record.name: record for record in self._file_records()}
        if self.manifests.is_dir():
            for manifest in self.manifests.rglob("*.json"):
                base = manifest.parent.relative_to(self.manifests).as_posix()
                name = f"{base}:{manifest.stem}"
                record = self._record(name, manifest)
                if record is not None:
                    records[name] = record
        return sorted(records.values(), key=lambda r: (r.modified_at, r.name), reverse=True)

    def get(self, name: str) -> ModelRecord | None:
        try:
            normalized = valid_name(name)
        except StoreError:
            return None
        manifest = self._manifest_path(normalized)
        if manifest.exists():
            return self._record(normalized, manifest)
        return next((record for record in self._file_records() if record.name == normalized), None)

    # -- writing ------------------------------------------------------------------------------

    def _write_manifest(self, name: str, blob: str, **extra: Any) -> ModelRecord:
        manifest = self._manifest_path(name)
        manifest.parent.mkdir(parents=True, exist_ok=True)
        data = {"blob": blob, "modified_at": now_iso(), **{k: v for k, v in extra.items() if v}}
        partial = manifest.with_name(manifest.name + ".partial")
        partial.write_text(json.dumps(data, indent=1))
        partial.replace(manifest)
        record = self._record(name, manifest)
        assert record is not None
        return record

    def _blob_for(self, record: ModelRecord) -> str:
        """The blob name of a record; a file from the GGUF directory is adopted by reference."""
        if not record.read_only:
            return record.path.name
        blob = f"sha256-{record.digest}"
        self._link_blob(record.path, blob)
        return blob

    def _link_blob(self, source: Path, blob: str) -> None:
        """A blob for a file that must not change: a hard link where the disk allows, else a copy."""
        self.blobs.mkdir(parents=True, exist_ok=True)
        target = self.blobs / blob
        if target.exists():
            return
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            os.link(source, partial)
        except OSError:
            shutil.copyfile(source, partial)
        partial.replace(target)

    def copy(self, source: str, destination: str) -> ModelRecord:
        record = self.get(source)
        if record is None:
            raise StoreError(404, f"model '{source}' not found")
        target = valid_name(destination)
        return self._write_manifest(
            target,
            self._blob_for(record),
            system=record.system,
            template=record.template,
            parameters=record.parameters,
            messages=list(record.messages),
            parent=record.parent or record.name,
        )

    def create(
        self,
        name: str,
        base: ModelRecord,
        system: str | None,
        template: str | None,
        parameters: dict[str, Any],
        messages: Sequence[dict[str, Any]] | None = None,
    ) -> ModelRecord:
        """A derived model: the base's blob with its own system prompt, template, parameters and examples."""
        target = valid_name(name)
        return self._write_manifest(
            target,
            self._blob_for(base),
            system=base.system if system is None else system,
            template=base.template if template is None else template,
            parameters={**base.parameters, **parameters},
            messages=list(base.messages) if messages is None else list(messages),
            parent=base.name,
        )

    def delete(self, name: str) -> None:
        """Remove the manifest, and the blob when no other manifest names it."""
        record = self.get(name)
        if record is None:
            raise StoreError(404, f"model '{name}' not found")
        if record.read_only:
            raise StoreError(400, f"model '{name}' is the file {record.path} in the GGUF directory; remove the file")
        self._manifest_path(record.name).unlink()
        still_used = any(other.path == record.path for other in self.list() if not other.read_only)
        if not still_used:
            record.path.unlink(missing_ok=True)

    # -- pulling from the catalog -------------------------------------------------------------

    def pull(self, name: str) -> Iterator[dict[str, Any]]:
        """Install a catalog model from the setup cache, yielding Ollama's progress lines."""
        yield {"status": "pulling manifest"}
        model = find(name)
        if model is None:
            raise StoreError(500, "pull model manifest: file does not exist")
        source = model.cached(self.cache_dir)
        if not source.exists():
            raise StoreError(500, f"{model.name} is not prepared in {self.cache_dir}: run scripts/setup.sh")
        yield from self._copy_blob(model, source)
        yield {"status": "verifying sha256 digest"}
        yield {"status": "writing manifest"}
        self._write_manifest(model.name, f"sha256-{model.sha256}", parameters={})
        yield {"status": "success"}

    def _copy_blob(self, model: CatalogModel, source: Path) -> Iterator[dict[str, Any]]:
        digest = f"sha256:{model.sha256}"
        total = source.stat().st_size
        status = f"pulling {model.sha256[:12]}"
        target = self.blobs / f"sha256-{model.sha256}"
        if target.exists() and target.stat().st_size == total:
            yield {"status": status, "digest": digest, "total": total, "completed": total}
            return
        self.blobs.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        hasher = hashlib.sha256()
        completed = 0
        yield {"status": status, "digest": digest, "total": total, "completed": 0}
        try:
            with source.open("rb") as reader, partial.open("wb") as writer:
                while chunk := reader.read(_CHUNK):
                    writer.write(chunk)
                    hasher.update(chunk)
                    completed += len(chunk)
                    yield {"status": status, "digest": digest, "total": total, "completed": completed}
            if hasher.hexdigest() != model.sha256:
                raise StoreError(500, f"digest mismatch for {source}: run scripts/setup.sh again to produce it")
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)

    def _adopt(self, model: CatalogModel) -> None:
        """Install a default model fast: no progress to show and setup already checked the file."""
        blob = f"sha256-{model.sha256}"
        self._link_blob(model.cached(self.cache_dir), blob)
        self._write_manifest(model.name, blob)

    def install_defaults(self, names: tuple[str, ...]) -> None:
        """Install the default models setup produced, once: a model deleted later stays deleted."""
        marker = self.root / ".defaults-installed"
        if marker.exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        installed = 0
        for name in names:
            model = find(name)
            if model is not None and model.cached(self.cache_dir).exists():
                if self.get(model.name) is None:
                    self._adopt(model)
                installed += 1
        if installed == len(names):
            marker.touch()
