"""What a GGUF file is, read from its header without loading it: architecture, sizes, template.

The engine lists every GGUF in its store and in the instructor's directory, so this must be cheap
(no tensor data is read) and must refuse a corrupt or truncated file with an error that names it,
before llama.cpp ever sees it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

_MAGIC = b"GGUF"
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
# Arrays longer than this (vocabularies, merges) are skipped, not kept: nothing shown needs them.
_KEPT_ARRAY_ITEMS = 64
_EMBEDDING_ARCHITECTURES = ("bert", "nomic-bert", "jina-bert-v2", "nomic-bert-moe", "modern-bert", "neo-bert")


class InvalidGGUF(ValueError):
    """The file is not a GGUF llama.cpp could load (bad magic, cut short, unknown types)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path} is not a usable GGUF file: {reason}")
        self.path = path


@dataclass(frozen=True)
class GGUFInfo:
    """The facts /api/show and /api/tags report, plus what loading needs."""

    path: Path
    size: int
    architecture: str
    metadata: dict[str, Any] = field(repr=False)
    parameter_count: int
    file_type: str

    def value(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(f"{self.architecture}.{key}", default)

    @property
    def context_length(self) -> int:
        return int(self.value("context_length", 2048))

    @property
    def embedding_length(self) -> int:
        return int(self.value("embedding_length", 0))

    @property
    def chat_template(self) -> str:
        return str(self.metadata.get("tokenizer.chat_template", ""))

    @property
    def is_embedding(self) -> bool:
        """Sentence-embedding models: an encoder architecture or a pooling type in the file."""
        return self.architecture in _EMBEDDING_ARCHITECTURES or self.value("pooling_type") is not None

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name", self.path.stem))

    @property
    def parameter_size(self) -> str:
        count = self.parameter_count
        for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
            if count >= scale:
                return f"{count / scale:.{1 if count < 10 * scale else 0}f}{unit}".replace(".0", "")
        return str(count)


def _read(stream: BinaryIO, size: int, path: Path) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise InvalidGGUF(path, "the file ends inside its header (truncated?)")
    return data


def _scalar(stream: BinaryIO, kind: int, path: Path) -> Any:
    fmt = _SCALARS.get(kind)
    if fmt is None:
        raise InvalidGGUF(path, f"unknown metadata value type {kind}")
    return struct.unpack(fmt, _read(stream, struct.calcsize(fmt), path))[0]


def _string(stream: BinaryIO, path: Path, limit: int) -> str:
    (length,) = struct.unpack("<Q", _read(stream, 8, path))
    if length > limit:
        raise InvalidGGUF(path, f"a string of {length} bytes is longer than the file")
    return _read(stream, length, path).decode("utf-8", errors="replace")


def _value(stream: BinaryIO, kind: int, path: Path, limit: int) -> Any:
    if kind == _STRING:
        return _string(stream, path, limit)
    if kind != _ARRAY:
        return _scalar(stream, kind, path)
    item_kind, count = struct.unpack("<IQ", _read(stream, 12, path))
    if count > limit:
        raise InvalidGGUF(path, f"an array of {count} items is longer than the file")
    if item_kind != _STRING and item_kind in _SCALARS:
        item_size = struct.calcsize(_SCALARS[item_kind])
        raw = _read(stream, item_size * count, path)
        if count > _KEPT_ARRAY_ITEMS:
            return None
        return [struct.unpack_from(_SCALARS[item_kind], raw, i * item_size)[0] for i in range(count)]
    items = [_value(stream, item_kind, path, limit) for _ in range(count)]
    return items if count <= _KEPT_ARRAY_ITEMS else None


def read_gguf(path: Path) -> GGUFInfo:
    """Parse the header and tensor table; check that every tensor's data lies inside the file."""
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            if stream.read(4) != _MAGIC:
                raise InvalidGGUF(path, "it does not start with the GGUF magic bytes")
            version, tensor_count, kv_count = struct.unpack("<IQQ", _read(stream, 20, path))
            if version not in (2, 3):
                raise InvalidGGUF(path, f"GGUF version {version} is not supported")
            metadata: dict[str, Any] = {}
            for _ in range(kv_count):
                key = _string(stream, path, size)
                (kind,) = struct.unpack("<I", _read(stream, 4, path))
                metadata[key] = _value(stream, kind, path, size)
            data_end, parameters = _tensor_extent(stream, tensor_count, path, size)
            alignment = int(metadata.get("general.alignment", 32))
            data_start = -(-stream.tell() // alignment) * alignment
    except OSError as error:
        raise InvalidGGUF(path, f"it cannot be read ({error.strerror})") from None
    if data_start + data_end > size:
        missing = data_start + data_end - size
        raise InvalidGGUF(path, f"it is truncated ({missing} bytes of tensor data are missing)")
    architecture = metadata.get("general.architecture")
    if not isinstance(architecture, str):
        raise InvalidGGUF(path, "it names no general.architecture")
    return GGUFInfo(path, size, architecture, metadata, parameters, _file_type(metadata))


def _tensor_extent(stream: BinaryIO, count: int, path: Path, size: int) -> tuple[int, int]:
    """Where the last tensor's data ends (relative to the data section) and the parameter count."""
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType  # numpy comes with it: only once models are listed

    end = parameters = 0
    for _ in range(count):
        _string(stream, path, size)
        (dims,) = struct.unpack("<I", _read(stream, 4, path))
        shape = struct.unpack(f"<{dims}Q", _read(stream, 8 * dims, path))
        kind, offset = struct.unpack("<IQ", _read(stream, 12, path))
        try:
            block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(kind)]
        except (ValueError, KeyError):
            raise InvalidGGUF(path, f"unknown tensor type {kind}") from None
        elements = 1
        for dim in shape:
            elements *= dim
        parameters += elements
        end = max(end, offset + elements // block * type_size)
    return end, parameters


def _file_type(metadata: dict[str, Any]) -> str:
    from gguf import LlamaFileType

    value = metadata.get("general.file_type")
    try:
        return LlamaFileType(int(value)).name.removeprefix("MOSTLY_") if value is not None else "unknown"
    except ValueError:
        return "unknown"
