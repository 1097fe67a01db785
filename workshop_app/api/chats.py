"""A person's chats over REST: stop the reply being written into one, whichever tab or worker writes it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.api.params import RowId
from workshop_app.db.chats import ChatMessage
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.running_replies import stop_reply
from workshop_app.services.core.database_threads import off_loop

router = APIRouter(prefix="/chats", tags=["chats"])


class ReplyOut(BaseModel):
    id: int
    content: str = Field(description="The reply's text as saved: what was written before the stop.")
    model: str
    status: str = Field(description="How the reply ended: done, stopped or incomplete.")


class StoppedOut(BaseModel):
    chat_id: int
    reply: ReplyOut | None = Field(description="The chat's last reply as saved once the stream stopped.")

    @classmethod
    def of(cls, chat_id: int, last: ChatMessage | None) -> StoppedOut:
        if last is None or last.role != "assistant" or last.id is None:
            return cls(chat_id=chat_id, reply=None)
        return cls(
            chat_id=chat_id, reply=ReplyOut(id=last.id, content=last.content, model=last.model, status=last.status)
        )


@router.post(
    "/{chat_id}/stop",
    summary="Stop the reply being written into one of your chats, in whichever tab or worker it streams",
    description=(
        "Ends the stream as the Stop button of the tab that started it does: the request to the model is "
        "closed, the text so far is kept as a stopped reply, and the answer comes once it is saved. "
        "404 when no reply of yours is being written in that chat (none, or the chat is not yours); "
        "503 when the shared store (Redis) of a scaled-out platform cannot be reached."
    ),
)
async def stop_chat_reply(chat_id: RowId, actor: CurrentActor) -> StoppedOut:
    await stop_reply(actor, chat_id)
    view = await off_loop(chats.get_chat, actor, chat_id)
    return StoppedOut.of(chat_id, view.messages[-1] if view.messages else None)
