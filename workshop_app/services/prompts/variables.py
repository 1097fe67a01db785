"""`{{variables}}` in prompt text: find them, check them, fill them.

Plain substitution only (no expressions, no attribute access), so a template shared
in a workshop can never run anything; a value is inserted exactly as typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from workshop_app.services.core.errors import InvalidInput

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def variables(*texts: str) -> list[str]:
    """The variables of the texts in order of first use; a malformed `{{...}}` is refused."""
    names: dict[str, None] = {}
    for text in texts:
        for match in _PLACEHOLDER.finditer(text):
            names[_checked_name(match.group(1))] = None
    return list(names)


def render(text: str, values: Mapping[str, str], known: list[str] | None = None) -> str:
    """`text` with each `{{name}}` replaced by its value.

    `known` lists every variable of the prompt (system prompt and body together); a
    value for any other name is an unknown variable, and a variable left without a
    value is refused, so nobody sends a prompt with holes by accident.
    """
    known = variables(text) if known is None else known
    unknown = [name for name in values if name not in known]
    if unknown:
        listed = ", ".join("{{" + name + "}}" for name in unknown)
        raise InvalidInput(f"Unknown variable {listed}.", hint=f"This prompt has {_describe(known)}.")
    missing = [name for name in variables(text) if not str(values.get(name, "")).strip()]
    if missing:
        listed = ", ".join("{{" + name + "}}" for name in missing)
        raise InvalidInput(f"Fill in {listed} first.", hint="Every variable needs a value before the prompt can run.")
    return _PLACEHOLDER.sub(lambda match: str(values[match.group(1).strip()]), text)


def _checked_name(raw: str) -> str:
    name = raw.strip()
    if not _NAME.fullmatch(name):
        raise InvalidInput(
            f"{{{{{raw}}}}} is not a valid variable.",
            hint="Variable names use letters, digits and _ and start with a letter, e.g. {{topic}}.",
        )
    return name


def _describe(known: list[str]) -> str:
    return "the variables " + ", ".join("{{" + name + "}}" for name in known) if known else "no variables"
