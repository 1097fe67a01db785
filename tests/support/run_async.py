"""Run a coroutine to completion from synchronous test code, whatever loop is running.

Sync Playwright keeps an event loop running in the main thread once a browser test has
started, so `asyncio.run` there fails; a short-lived thread gets a loop of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
