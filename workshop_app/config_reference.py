"""docs/configuration.md, generated from the Settings class so the reference cannot drift from the code.

`workshop config-docs` rewrites the file; a test fails while the committed file
differs from what this module renders.
"""

from __future__ import annotations

import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from workshop_app.db.migrations import PROJECT_ROOT
from workshop_app.settings import ENV_PREFIX, Settings

DOC_PATH = PROJECT_ROOT / "docs" / "configuration.md"

HEADER = """# Configuration reference

<!-- Generated from workshop_app/settings.py by `workshop config-docs`; do not edit by hand. -->

Every setting is an environment variable (or a line in `.env` in the working directory).
`workshop check` validates them all and prints one line per invalid value; `workshop run`
refuses to start until they are valid. `.env.example` holds a commented copy.

| variable | default | accepted values | meaning |
| --- | --- | --- | --- |
"""


def render() -> str:
    rows = [_row(name, field) for name, field in Settings.model_fields.items()]
    return HEADER + "\n".join(rows) + "\n"


def _row(name: str, field: FieldInfo) -> str:
    meaning = (field.description or "").replace("<", "&lt;").replace(">", "&gt;")
    cells = [f"`{ENV_PREFIX}{name.upper()}`", _default(field), _accepted(field), meaning]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value: Any = field.default_factory()  # type: ignore[call-arg]
    else:
        value = None if field.default is PydanticUndefined else field.default
    if value is None or value == "":
        return "unset"
    if isinstance(value, list):
        return "`" + ",".join(str(item).rstrip("/") for item in value) + "`" if value else "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _accepted(field: FieldInfo) -> str:
    annotation = field.annotation
    bounds = [_bound(item) for item in field.metadata if _bound(item)]
    choices = _choices(annotation)
    if choices:
        return ", ".join(f"`{choice}`" for choice in choices)
    kind = _kind(annotation)
    return ", ".join([kind, *bounds])


def _bound(item: Any) -> str:
    for cls, symbol, attribute in ((Ge, "≥", "ge"), (Gt, ">", "gt"), (Le, "≤", "le"), (Lt, "<", "lt")):
        if isinstance(item, cls):
            return f"{symbol} {getattr(item, attribute)}"
    return ""


def _choices(annotation: Any) -> list[str]:
    if typing.get_origin(annotation) is typing.Literal:
        return [str(arg) for arg in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    return []


def _kind(annotation: Any) -> str:
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _kind(args[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return _kind(args[0])
    if typing.get_origin(annotation) is list:
        return "comma-separated list"
    names = {bool: "true/false", int: "integer", float: "number", str: "text", Path: "path", SecretStr: "secret text"}
    return names.get(annotation, "URL" if "Url" in getattr(annotation, "__name__", "") else "text")


def write(path: Path = DOC_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render())
