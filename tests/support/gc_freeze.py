"""A pytest plugin: the test process's garbage collections stay short, as the served app's do.

The served app freezes its startup heap (`serving.freeze_startup_heap`); the test process instead
carries every imported library, the test modules and whatever earlier tests left behind, about a
million objects by the middle of the suite. A full collection walks all of them, and one took
1-2.5 s: long enough to land in a timed test (a fairness run's waits, a request's bound) and fail
it for the test process's sake, not the product's. So the heap is frozen once collected, and again
after each test module: a collection inside a test then walks only what that module made.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


def freeze_survivors() -> None:
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session: pytest.Session) -> None:
    freeze_survivors()


@pytest.fixture(autouse=True, scope="module")
def _frozen_after_each_module() -> Iterator[None]:
    """Autouse, so set up before and torn down after the module's other fixtures (its servers stopped)."""
    yield
    freeze_survivors()
