"""A chat reply streaming in a task of the test, as in the tab that sent the message, for tests that stop it
from elsewhere (another tab, the REST API, another worker) without any handle on that task."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from tests.fakes.ollama_server import FakeOllama
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.workshops.policy import Actor

MODEL = "qwen2.5:0.5b"


@dataclass
class Writing:
    """A reply streaming into a chat, read by its own consumer (the tab that sent the message)."""

    chat_id: int
    task: asyncio.Task[None] | None = None
    events: list[object] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(event.content for event in self.events if isinstance(event, ChatChunk))

    async def read(self, actor: Actor) -> None:
        async for event in chats.stream_chat_reply(actor, self.chat_id):
            self.events.append(event)

    async def ended(self, within_s: float = 3) -> None:
        assert self.task is not None
        await asyncio.wait_for(asyncio.shield(self.task), within_s)


def slow_down(fake: FakeOllama) -> None:
    """A reply of 100 tokens, 0.1 s apart: ten seconds unless someone stops it."""
    fake.config.token_delay = 0.1
    fake.config.reply_tokens = 100


@asynccontextmanager
async def writing_reply(owner: Actor) -> AsyncIterator[Writing]:
    """A reply to `owner` streaming in, a few tokens written; cancelled at the end if still running."""
    reply = Writing(chats.send_message(owner, None, ChatSettings(MODEL), "Tell me a long story"))
    reply.task = asyncio.create_task(reply.read(owner))
    try:
        async with asyncio.timeout(10):
            while len(reply.text) < 3:
                await asyncio.sleep(0.02)
        yield reply
    finally:
        reply.task.cancel()
        await asyncio.gather(reply.task, return_exceptions=True)


async def next_reply_served(owner: Actor, fake: FakeOllama) -> None:
    """The owner's next reply runs to its end: the stopped one gave back its turn on the host and the owner's."""
    fake.config.token_delay, fake.config.reply_tokens = 0.0, 5
    chat_id = chats.send_message(owner, None, ChatSettings(MODEL), "And now a short one")
    async for _event in chats.stream_chat_reply(owner, chat_id):
        pass
    assert chats.get_chat(owner, chat_id).messages[-1].status == "done"


def key_of(actor: Actor) -> dict[str, str]:
    """REST headers with a fresh API key of this person."""
    return {"Authorization": f"Bearer {create_api_key(actor, 'tests')[1]}"}


def local_rest() -> httpx.AsyncClient:
    """The REST API on this event loop, as the worker writing the reply serves it."""
    from workshop_app.api import build_api

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=build_api()), base_url="http://test")
