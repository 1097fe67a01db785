"""A pytest plugin: when a test's teardown runs for minutes, print every pending asyncio task and what it awaits.

A hung event-loop shutdown is a task waiting for a future nothing will complete; faulthandler shows the
threads (the main one idle in `select`), not the coroutines, so it cannot say which task or where.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Generator
from typing import Any

import pytest

REPORT_AFTER_S = 120.0


def pending_tasks() -> str:
    """Each unfinished task with its chain of awaits down to the future it waits on."""
    lines: list[str] = []
    for task in [found for found in gc.get_objects() if isinstance(found, asyncio.Task)]:
        if not task.done():
            lines.append(f"{task!r} cancelling={task.cancelling()}")
            lines += [f"    {step}" for step in _awaits(task.get_coro())]
    return "\n".join(lines) or "no pending asyncio task"


def _awaits(awaitable: Any) -> list[str]:
    steps: list[str] = []
    while awaitable is not None:
        if isinstance(awaitable, asyncio.Future):
            return [*steps, f"waits on {awaitable!r}"]
        frame = _first(awaitable, ("cr_frame", "ag_frame", "gi_frame"))
        if frame is not None:
            steps.append(f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_qualname}")
        awaitable = _first(awaitable, ("cr_await", "ag_await", "gi_yieldfrom"))
    return steps


def _first(awaitable: Any, names: tuple[str, ...]) -> Any:
    """The attribute a coroutine, async generator or generator has under its own name."""
    return next((getattr(awaitable, name) for name in names if hasattr(awaitable, name)), None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    def report() -> None:
        capture = item.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print(f"\n{item.nodeid}: teardown still running after {REPORT_AFTER_S:.0f} s; pending tasks:", flush=True)
            print(pending_tasks(), flush=True)

    timer = threading.Timer(REPORT_AFTER_S, report)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
