"""What a gateway request may ask of a model beyond text, checked before it waits for a turn.

A structured `format` must be "json" or a JSON schema that is itself valid; an image must
be base64 of a PNG, JPEG, GIF or WebP file no larger than WORKSHOP_MAX_IMAGE_BYTES; a generate
`suffix`, `think` and images go only to a model whose /api/show capabilities include "insert",
"thinking" or "vision".
Each refusal is InvalidInput (a 400 in both API shapes) naming the problem, in Ollama's
words where Ollama has them (`"qwen2.5:0.5b" does not support thinking`), so a notebook
sees the same sentence whether the gateway or the host refuses.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from jsonschema import SchemaError
from jsonschema.validators import validator_for

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.ollama.backends import backend_for
from workshop_app.settings import get_settings

THINK_LEVELS = ("low", "medium", "high")
_SEND_BYTES = "Send the file's bytes, base64-encoded."
_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")  # PNG, JPEG, GIF (WebP: RIFF....WEBP)


def check_format(format_: Any) -> None:
    """`format` is "json", a valid JSON schema (an object), or absent."""
    if format_ in (None, "", "json"):
        return
    if not isinstance(format_, dict):
        raise InvalidInput('`format` must be "json" or a JSON schema (an object).')
    try:
        validator_for(format_).check_schema(format_)
    except SchemaError as error:
        where = "/".join(str(part) for part in error.path) or "the top level"
        raise InvalidInput(
            f"`format` is not a valid JSON schema: {error.message} (at {where}).",
            hint="Check it at https://www.jsonschemavalidator.net or against the JSON Schema specification.",
        ) from None


def check_images(images: Iterable[Any]) -> int:
    """Every image is base64 of a PNG, JPEG, GIF or WebP within the size limit; returns how many there are."""
    limit = get_settings().max_image_bytes
    count = 0
    for count, image in enumerate(images, start=1):
        data = _decoded(image, count)
        if not _is_image(data):
            raise InvalidInput(f"Image {count} is not a PNG, JPEG, GIF or WebP image.", hint=_SEND_BYTES)
        if len(data) > limit:
            raise InvalidInput(
                f"Image {count} is {_megabytes(len(data))}; the limit is {_megabytes(limit)}.",
                hint="Scale it down, or ask the instructor (WORKSHOP_MAX_IMAGE_BYTES).",
            )
    return count


def thinks(think: Any) -> bool:
    """Whether a `think` value asks for reasoning (true or a level; false and absent do not)."""
    return think is True or think in THINK_LEVELS


async def require_capabilities(model: str, *, think: Any = None, images: int = 0, suffix: Any = None) -> None:
    """Refuse a `suffix`, `think` or images for a model whose /api/show capabilities lack them, as Ollama words it."""
    asks = (("insert", bool(suffix)), ("thinking", thinks(think)), ("vision", images > 0))
    wanted = [name for name, asked in asks if asked]
    if not wanted:
        return
    capabilities = (await (await backend_for(model)).show(model)).get("capabilities")
    if not isinstance(capabilities, list):
        return  # an older host that does not list them decides for itself
    for capability in wanted:
        if capability not in capabilities:
            raise InvalidInput(f'"{model}" does not support {capability}')


def _decoded(image: Any, number: int) -> bytes:
    if not isinstance(image, str):
        raise InvalidInput(f"Image {number} must be a base64 string.")
    try:
        return base64.b64decode(image, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"Image {number} is not valid base64.", hint=_SEND_BYTES) from None


def _is_image(data: bytes) -> bool:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return data.startswith(_MAGIC)


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"
