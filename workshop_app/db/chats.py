"""Chats people keep: an owned conversation and its messages, one row each.

A message row is written before the model is asked (the person's words) and when the
reply ends, however it ends, so a crash or a failed stream never loses what was typed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, false
from sqlmodel import JSON, Column, Field, SQLModel, Text

from workshop_app.db.model_requests import utcnow
from workshop_app.db.ownership import Owned


class ReplyStatus(StrEnum):
    DONE = "done"
    STOPPED = "stopped"  # the person pressed Stop
    INCOMPLETE = "incomplete"  # the stream failed; the partial reply is kept


class Chat(Owned, table=True):
    """`options` holds the generation parameters last used (temperature, top_p, ...);
    `tool_ids` the person's tools the model may call (none: replies are plain streams);
    `think` asks a thinking model for its reasoning; `reply_schema` (a JSON schema) asks for
    replies that fit it (Ollama's `format`)."""

    __tablename__ = "chat"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    model: str = Field(default="", max_length=300)
    system_prompt: str = Field(default="", sa_column=Column(Text, nullable=False))
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    tool_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    think: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    reply_schema: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class ChatMessage(SQLModel, table=True):
    """One turn. Assistant turns carry the model, how the reply ended and its timing.

    A reply made with tools also keeps, in Ollama's message shape, the tool calls and
    `role: tool` results that led to it (`tool_messages`, re-sent as history on the next
    turn) and the trace of those calls as the page shows them (`tool_trace`), so deleting
    or regenerating the reply removes its steps with it.

    A person's turn may carry `images` (base64, as Ollama takes them; in the database so a
    backup carries them). A reply keeps a thinking model's `thinking` and the `reply_schema`
    it was asked to fit, so the page can check it again after a reload.
    """

    __tablename__ = "chat_message"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chat.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=20, description="user or assistant")
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    model: str = Field(default="", max_length=300)
    status: str = Field(default=ReplyStatus.DONE, max_length=20, description="a ReplyStatus value")
    error: str = Field(default="", max_length=1000)
    stats: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    tool_messages: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    tool_trace: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    thinking: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    images: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    reply_schema: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
