"""Database work started from async code runs here, so the event loop keeps streaming meanwhile."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache, partial
from typing import Generic, ParamSpec, TypeVar

from workshop_app.settings import get_settings

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R")


@lru_cache(maxsize=1)
def _database_threads() -> ThreadPoolExecutor:
    """Threads for database work started from async code.

    SQLite admits one writer at a time and makes another wait by sleeping and retrying
    (its busy timeout backs off in steps of up to 100 ms), so with SQLite one thread runs
    the work in order instead; Postgres gets as many threads as its pool has connections.
    """
    settings = get_settings()
    return ThreadPoolExecutor(
        max_workers=1 if settings.is_sqlite else settings.db_pool_size, thread_name_prefix="database"
    )


async def off_loop(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking database work in the database threads, so the event loop keeps streaming meanwhile.

    The work finishes even if the awaiting task is cancelled (a Stop), so a save is never half done.
    """
    context = contextvars.copy_context()  # the request id and log context travel along
    return await asyncio.get_running_loop().run_in_executor(
        _database_threads(), partial(context.run, work, *args, **kwargs)
    )


class Batched(Generic[T, R]):
    """Items that arrive while a write waits or runs go to the database together, in one write.

    A room's replies end at about the same moment; one insert and commit each kept the
    database thread (and with it the interpreter) busy in turn while the next replies
    started. Each item is first made ready by `prepare` in its caller's context (so what it
    logs keeps its request id), then everything that waited is written by one call of
    `write`, in the database threads; if that fails, each is written alone, so one bad item
    fails only its own caller. `add` returns once its item is written, and the write happens
    even if the caller is cancelled meanwhile.
    """

    def __init__(self, prepare: Callable[[T], R], write: Callable[[list[R]], None]) -> None:
        self._prepare, self._write = prepare, write
        self._lock = threading.Lock()
        self._waiting: list[tuple[contextvars.Context, T, Future[None]]] = []
        self._scheduled = False  # a write is queued that will take what waits

    async def add(self, item: T) -> None:
        written: Future[None] = Future()
        with self._lock:
            self._waiting.append((contextvars.copy_context(), item, written))
            if not self._scheduled:
                _database_threads().submit(self._write_waiting)
                self._scheduled = True
        await asyncio.shield(asyncio.wrap_future(written))  # a caller that leaves does not cancel the write

    def _write_waiting(self) -> None:
        with self._lock:
            waiting, self._waiting, self._scheduled = self._waiting, [], False
        ready: list[tuple[R, Future[None]]] = []
        for context, item, written in waiting:
            try:
                ready.append((context.run(self._prepare, item), written))
            except Exception as error:
                written.set_exception(error)
        if len(ready) > 1:
            try:
                self._write([row for row, _ in ready])
            except Exception:
                pass  # written one by one below, so a bad item fails only its own caller
            else:
                for _, written in ready:
                    written.set_result(None)
                return
        for row, written in ready:
            self._write_alone(row, written)

    def _write_alone(self, row: R, written: Future[None]) -> None:
        try:
            self._write([row])
        except Exception as error:
            written.set_exception(error)
        else:
            written.set_result(None)
