"""`{name}` placeholders filled from a tool call's arguments.

Deliberately not `str.format`: a template written by an attendee must not reach
attributes or indexes of the values (`{x.__class__}`), only whole argument values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(template: str) -> set[str]:
    return set(PLACEHOLDER.findall(template))


def as_text(value: Any) -> str:
    """An argument as it reads in text: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def fill(template: str, arguments: Mapping[str, Any], encode: Callable[[str], str] = lambda text: text) -> str:
    """Replace each `{name}` by the argument's text (passed through `encode`); absent ones become empty."""
    return PLACEHOLDER.sub(lambda match: encode(as_text(arguments.get(match.group(1), ""))), template)
