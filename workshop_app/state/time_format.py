"""Moments as people read them in a roster or a key list: "just now", "5 min ago"."""

from __future__ import annotations

from datetime import UTC, datetime


def ago(moment: datetime | None, never: str = "never") -> str:
    if moment is None:
        return never
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (datetime.now(UTC) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if unit == 'day' and count > 1 else ''} ago"
    return "just now"
