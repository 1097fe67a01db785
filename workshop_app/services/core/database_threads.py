"""Database work started from async code runs here, so the event loop keeps streaming meanwhile."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from typing import ParamSpec, TypeVar

from workshop_app.settings import get_settings

P = ParamSpec("P")
T = TypeVar("T")


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
