"""The primary key of a saved row, typed as `int`.

Tables declare `id: int | None` because a new row has no key until the session flushes it;
code that runs after the flush asks for `saved_id(row)` instead of passing a possible None on.
"""

from __future__ import annotations

from typing import Protocol


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: _Row) -> int:
    """The row's key; a row that was never flushed has none, which is a programming error."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id yet: flush the session before reading it")
    return row.id
