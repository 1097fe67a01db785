"""A stream read in a task of the test, as the tab that started it reads it, for tests that stop it from
elsewhere (another tab, the REST API, another worker) without any handle on that task."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.accounts import actor_of, make_user
from workshop_app.db.users import Role
from workshop_app.services.chat.compare import check_comparison, compare_replies
from workshop_app.services.workshops.policy import Actor

MODELS = ["llama3.2:1b", "qwen2.5:0.5b"]


@dataclass
class Reading:
    """A stream's items as its own tab received them, and the task reading it."""

    task: asyncio.Task[None] | None = None
    items: list[Any] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(getattr(item, "text", "") or getattr(item, "content", "") for item in self.items)

    async def ended(self, within_s: float = 3) -> None:
        assert self.task is not None
        await asyncio.wait_for(asyncio.shield(self.task), within_s)


@asynccontextmanager
async def reading(stream: AsyncGenerator[Any, None]) -> AsyncIterator[Reading]:
    """`stream` read in a task until it ends, a few pieces of text in; cancelled at the end if still running."""
    reader = Reading()

    async def read() -> None:
        async for item in stream:
            reader.items.append(item)

    reader.task = asyncio.create_task(read())
    try:
        async with asyncio.timeout(10):
            while len(reader.text) < 3 and not reader.task.done():
                await asyncio.sleep(0.02)
        yield reader
    finally:
        reader.task.cancel()
        await asyncio.gather(reader.task, return_exceptions=True)


def comparison(owner: Actor, prompt: str = "Tell me a long story") -> AsyncGenerator[Any, None]:
    """A comparison of the two fake models, as the Compare page starts it."""
    return compare_replies(owner, check_comparison(owner, MODELS, "", {}, prompt), prompt)


async def comparison_served(owner: Actor) -> None:
    """The owner's next comparison runs to its end: the stopped one gave back its turn and slots."""
    texts = [update.text async for update in comparison(owner, "And now a short one")]
    assert "".join(texts).startswith("Echo")


def attendee(name: str) -> Actor:
    return actor_of(make_user(Role.ATTENDEE, name))
