"""The chat replies being written now, so their owner can stop one from any tab, any worker or the REST API.

Each running reply is a running stream (services/core/running_streams.py) whose subject is the
chat's id: a stop from elsewhere ends it as the tab's own Stop does, and returns once it is saved.
"""

from __future__ import annotations

from workshop_app.services.core.errors import NotFound
from workshop_app.services.core.running_streams import stop_streams, stream_kind
from workshop_app.services.workshops.policy import Actor

CHAT_REPLY = stream_kind("chat-reply")
"""A reply being written into a chat (subject: the chat's id); only its owner sees and stops it."""


async def stop_reply(actor: Actor | None, chat_id: int) -> None:
    """Stop the reply being written into the actor's chat, wherever it runs, and return once it is saved.

    NotFound when no reply of the actor's is being written there (none, or the chat is not theirs).
    """
    try:
        await stop_streams(actor, CHAT_REPLY, str(chat_id))
    except NotFound:
        raise NotFound(
            "No reply is being written in this chat.", hint="Reload the chat to see its replies as saved."
        ) from None
