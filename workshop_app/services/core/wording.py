"""Counts as people read them: "1 request", "3 requests", never "1 requests"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and `noun`, the noun plural unless the count is exactly one (`plural` for irregular ones)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
