"""The chat replies being written now, so their owner can stop one from any tab, any worker or the REST API.

A reply streams in the worker that started it (the one holding the tab's websocket), but
the person may look at the same chat from another tab, another device or a script. Each
running reply is a job of the one job registry (services/core/jobs.py): in this process
with one worker, in Redis with WORKSHOP_REDIS_URL, where a stop is published to the worker
running the reply and a worker that dies lets its lease run out. The job's work only waits
for the reply to end; cancelling it sets the reply's stop signal, which ends the stream the
way the tab's own Stop does (the request to the model is closed, the queue slot and the
quota reservation settle, the text so far is kept as stopped), and the cancel returns once
the reply is saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from workshop_app.services.core.errors import NotFound, SharedStoreUnavailable
from workshop_app.services.core.jobs import Job, JobKind, get_jobs
from workshop_app.services.workshops.policy import Actor, require_actor

log = logging.getLogger(__name__)

CHAT_REPLY = JobKind("chat-reply", unit="", keep_done_s=5, keep_ended_s=60, keep_most=500)
"""A reply being written into a chat (subject: the chat's id); only its owner sees and stops it."""
SETTLE_S = 10.0
"""How long a stop waits for the stopped reply to be saved before it answers anyway."""


@contextlib.asynccontextmanager
async def running_reply(actor: Actor, chat_id: int) -> AsyncIterator[asyncio.Event]:
    """Register the reply written inside the block; the event it yields is set when someone stops it elsewhere.

    The block should stop streaming once the event is set and save what it has before it ends.
    Without the shared store (Redis down) the reply runs unregistered: its own tab can still stop it.
    """
    stop, finished = asyncio.Event(), asyncio.Event()

    async def wait_for_the_end(_job: Job) -> None:
        try:
            await finished.wait()
        except asyncio.CancelledError:
            stop.set()
            await _saved(finished)  # the canceller hears of it once the reply is saved
            raise

    try:
        get_jobs().start(actor, CHAT_REPLY, str(chat_id), wait_for_the_end)
    except SharedStoreUnavailable as error:
        log.warning("the reply in chat %s runs without a shared stop: %s", chat_id, error)
    try:
        yield stop
    finally:
        finished.set()


async def _saved(finished: asyncio.Event) -> None:
    """Wait until the stopped reply is saved, at most SETTLE_S.

    A stop from another worker is announced again until the reply ended (a listener that
    reconnected to Redis missed it), so this wait is cancelled again while the reply is being
    saved; it goes on waiting, or the canceller would hear of the end before the reply was kept.
    """
    loop = asyncio.get_running_loop()
    until = loop.time() + SETTLE_S
    waiting = asyncio.ensure_future(finished.wait())
    try:
        while not waiting.done() and (left := until - loop.time()) > 0:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({waiting}, timeout=left)
    finally:
        waiting.cancel()


def reply_running(actor: Actor | None, chat_id: int) -> Job | None:
    """The reply being written into this chat of the actor's now, if any (another person's chats show none)."""
    job = get_jobs().find(require_actor(actor), CHAT_REPLY, str(chat_id))
    return job if job is not None and job.active else None


async def stop_reply(actor: Actor | None, chat_id: int) -> None:
    """Stop the reply being written into the actor's chat, wherever it runs, and return once it is saved.

    NotFound when no reply of the actor's is being written there (none, or the chat is not theirs).
    """
    job = reply_running(actor, chat_id)
    if job is None:
        raise NotFound("No reply is being written in this chat.", hint="Reload the chat to see its replies as saved.")
    await get_jobs().cancel(actor, job.id)


async def until_reply_ended(actor: Actor | None, chat_id: int) -> None:
    """Wait until the reply being written into the actor's chat has ended (at once if none is)."""
    if (job := reply_running(actor, chat_id)) is not None:
        with contextlib.suppress(NotFound):  # its record already went: it ended
            await get_jobs().wait(job.id)
