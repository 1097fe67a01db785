"""Rows that finish together are written together (services/core/database_threads.Batched)."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from workshop_app.services.core.database_threads import Batched

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class Table:
    """A stand-in for the database: records each write, and can hold the first one until released."""

    def __init__(self) -> None:
        self.writes: list[list[tuple[int, str]]] = []
        self.release = threading.Event()
        self.release.set()

    def prepare(self, item: int) -> tuple[int, str]:
        return item, REQUEST_ID.get()  # what the caller's context says, as a log line would

    def write(self, rows: list[tuple[int, str]]) -> None:
        self.release.wait(5)
        self.writes.append(rows)


async def add_as(batched: Batched[int, tuple[int, str]], item: int) -> None:
    REQUEST_ID.set(f"req-{item}")
    await batched.add(item)


async def test_what_finishes_while_a_write_runs_goes_in_the_next_write_together() -> None:
    table = Table()
    batched = Batched(table.prepare, table.write)
    table.release.clear()
    first = asyncio.ensure_future(add_as(batched, 0))
    await asyncio.sleep(0.1)  # the first write has started and waits (one database thread with SQLite)
    rest = [asyncio.ensure_future(add_as(batched, n)) for n in range(1, 50)]
    await asyncio.sleep(0.05)
    table.release.set()
    await asyncio.gather(first, *rest)
    assert table.writes[0] == [(0, "req-0")]
    assert table.writes[1:] == [[(n, f"req-{n}") for n in range(1, 50)]], "49 rows in one write, each in its context"


async def test_a_caller_that_leaves_does_not_stop_the_write() -> None:
    table = Table()
    batched = Batched(table.prepare, table.write)
    table.release.clear()
    leaving = asyncio.ensure_future(add_as(batched, 1))
    staying = asyncio.ensure_future(add_as(batched, 2))
    await asyncio.sleep(0.05)
    leaving.cancel()
    table.release.set()
    await staying
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert sorted(row for rows in table.writes for row in rows) == [(1, "req-1"), (2, "req-2")]


async def test_a_failed_write_reaches_its_callers() -> None:
    def fail(rows: list[tuple[int, str]]) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        await Batched(Table().prepare, fail).add(1)


async def test_a_bad_row_among_others_fails_only_its_own_caller() -> None:
    table = Table()

    def write(rows: list[tuple[int, str]]) -> None:
        if any(item == 13 for item, _ in rows):
            raise ValueError("row 13 breaks a constraint")
        table.write(rows)

    batched = Batched(table.prepare, write)
    table.release.clear()
    blocker = asyncio.ensure_future(add_as(batched, 0))
    await asyncio.sleep(0.1)  # the first write holds the database thread
    others = [asyncio.ensure_future(add_as(batched, n)) for n in (11, 12, 13, 14)]
    await asyncio.sleep(0.05)
    table.release.set()
    results = await asyncio.gather(blocker, *others, return_exceptions=True)
    assert [type(result) for result in results] == [type(None)] * 3 + [ValueError, type(None)]
    assert sorted(item for rows in table.writes for item, _ in rows) == [0, 11, 12, 14]
