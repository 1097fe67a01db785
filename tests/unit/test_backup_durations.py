"""Durations for `workshop run --backup-every`."""

from __future__ import annotations

import pytest

from workshop_app.services.operations.backup import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"), [("30m", 1800), ("24h", 86400), ("1h30m", 5400), ("2d", 172800), ("45s", 45), (" 12H ", 43200)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "24", "h", "1x", "0m", "1h-5m", "soon"])
def test_nonsense_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
