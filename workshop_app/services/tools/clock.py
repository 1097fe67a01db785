"""The current date and time in an IANA time zone, for the clock tool."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workshop_app.services.tools.errors import ToolFailed


def now_in(zone: str, now: datetime | None = None) -> str:
    """`now` (default: this instant) in `zone`, e.g. 'Tuesday 2026-11-24 14:05:09 CET (Europe/Berlin, UTC+01:00)'."""
    name = zone.strip() or "UTC"
    try:
        tz = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolFailed(
            f"Unknown time zone {name!r}; use an IANA name such as Europe/Berlin or America/New_York."
        ) from None
    local = (now or datetime.now(tz)).astimezone(tz)
    offset = local.strftime("%z")
    return f"{local:%A %Y-%m-%d %H:%M:%S} {local.tzname()} ({name}, UTC{offset[:3]}:{offset[3:]})"
