"""Turning a submitted string into one of a fixed set of values, or a clear InvalidInput."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from workshop_app.services.core.errors import InvalidInput

Choice = TypeVar("Choice", bound=StrEnum)


def choice(kind: type[Choice], value: str, what: str) -> Choice:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidInput(f"{value!r} is not a valid {what}.", hint=f"Use one of: {allowed}.") from None
