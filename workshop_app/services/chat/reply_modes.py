"""What a Playground reply may ask of a model beyond text: its reasoning, JSON fitting a schema, images.

The checks are the gateway's (services/gateway/inputs.py), so a schema or an image the
Playground accepts is one the gateway accepts too; here they speak of what a person typed
or uploaded (the editor, the file's name) rather than of a request's fields.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.gateway.inputs import check_format, check_images

MAX_IMAGES = 4  # per message: enough to compare pictures, few enough to fit a small model's context
EXAMPLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "The animal's name"},
        "legs": {"type": "integer", "minimum": 0},
        "can_fly": {"type": "boolean"},
    },
    "required": ["name", "legs", "can_fly"],
}
_MIME = ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"), (b"RIFF", "image/webp"))


def example_schema_text() -> str:
    """The schema "Insert example" puts in the editor: small, and one every chat model can fill."""
    return json.dumps(EXAMPLE_SCHEMA, indent=2)


def parse_schema(text: str) -> dict[str, Any] | None:
    """The schema typed in the editor (blank: none); text that is not JSON or not a JSON schema is refused."""
    if not text.strip():
        return None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"The schema is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno}).",
            hint="Fix it, or press “Insert example” to start from a schema that works.",
        ) from None
    if not isinstance(schema, dict):
        raise InvalidInput('The schema must be a JSON object, like {"type": "object", ...}.')
    try:
        check_format(schema)
    except InvalidInput as error:
        raise InvalidInput(error.message.replace("`format`", "The schema"), hint=error.hint) from None
    return schema


def schema_verdict(schema: dict[str, Any] | None, content: str) -> str:
    """How a structured reply fits its schema: "" when it matches, else the first problem, in a sentence."""
    if not schema:
        return ""
    try:
        value = json.loads(content)
    except json.JSONDecodeError:
        return "the reply is not JSON"
    error = best_match(validator_for(schema)(schema).iter_errors(value))
    if error is None:
        return ""
    where = "/".join(str(part) for part in error.absolute_path)
    return f"{error.message} (at {where})" if where else error.message


def pretty_json(content: str) -> str:
    """A JSON reply indented for reading; text that is not JSON stays as it came."""
    try:
        return json.dumps(json.loads(content), indent=2, ensure_ascii=False)
    except json.JSONDecodeError:
        return content


def image_attachment(data: bytes, filename: str) -> str:
    """An uploaded file as Ollama takes an image (base64); not a PNG/JPEG/GIF/WebP or too large: refused by name."""
    encoded = base64.b64encode(data).decode("ascii")
    try:
        check_images([encoded])
    except InvalidInput as error:
        hint = error.hint if "limit" in error.message else "Choose a PNG, JPEG, GIF or WebP picture."
        raise InvalidInput(error.message.replace("Image 1", f"“{filename}”", 1), hint=hint) from None
    return encoded


def check_attachments(images: tuple[str, ...]) -> tuple[str, ...]:
    """The images of one message: each an image within the limit, and no more than MAX_IMAGES."""
    if len(images) > MAX_IMAGES:
        raise InvalidInput(f"A message may carry {MAX_IMAGES} images; this one has {len(images)}.")
    check_images(images)
    return images


def data_url(image: str) -> str:
    """A kept image (base64) as a data URL the browser shows as a thumbnail."""
    head = base64.b64decode(image[:16])
    mime = next((mime for magic, mime in _MIME if head.startswith(magic)), "application/octet-stream")
    return f"data:{mime};base64,{image}"
