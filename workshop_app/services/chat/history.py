"""Chats kept per person: send, stream and save replies, edit, regenerate, rename, search, export.

The person's message is committed before the model is asked, and the reply is saved
however the stream ends: complete, stopped (the text so far), or failed (the text so
far, marked incomplete with the error, so the page can offer a retry).

A chat may have some of the person's tools attached: its replies then run the tool
loop instead of a plain stream, and each keeps its calls, results and trace.

With or without tools a chat may ask a thinking model for its reasoning (`think`, kept
apart from the answer) and for replies that fit a JSON schema (Ollama's `format`), and a
person's message may carry images for a vision model; all of it is kept with the chat.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, or_, select

from workshop_app.db.chats import Chat, ChatMessage, ReplyStatus
from workshop_app.db.engine import session_scope
from workshop_app.db.model_requests import utcnow
from workshop_app.db.row_ids import saved_id
from workshop_app.services.chat.options import check_options
from workshop_app.services.chat.replies import stream_reply_queued
from workshop_app.services.chat.reply_modes import check_attachments, parse_schema
from workshop_app.services.chat.running_replies import CHAT_REPLY
from workshop_app.services.chat.timing import ReplyClock, ReplyTiming
from workshop_app.services.core.database_threads import off_loop
from workshop_app.services.core.errors import InvalidInput, NotFound, WorkshopError
from workshop_app.services.core.owned_rows import owned_row
from workshop_app.services.core.running_streams import running_stream
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.gateway.inputs import require_capabilities
from workshop_app.services.ollama.scheduler import QueueUpdate
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.tools.loop import LoopEnded, TraceStep
from workshop_app.services.tools.playground import reply_with_tools
from workshop_app.services.tools.store import definitions_for
from workshop_app.services.workshops.policy import Action, Actor, require, require_actor, require_model

TITLE_CHARS = 60
MAX_MESSAGE_CHARS = 100_000  # ~25,000 tokens: past any workshop model's context, and well within one websocket message
EXPORT_FORMAT = "workshop-chat"
_FOLDED_THINKING = "<details><summary>Thinking</summary>\n\n{}\n\n</details>"  # folded in Markdown viewers too


@dataclass(frozen=True)
class ChatSettings:
    """What the person chose for the next reply; checked against the policy and the ranges.

    `tool_ids` are tools the model may call; each must be one the person may read.
    `think` asks for the model's reasoning; `schema` (JSON Schema text, blank for none) for
    replies that fit it.
    """

    model: str
    system_prompt: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    tool_ids: tuple[int, ...] = ()
    think: bool = False
    schema: str = ""

    def checked(self, actor: Actor) -> ChatSettings:
        if not self.model.strip():
            raise InvalidInput("Choose a model first.", hint="Pick one from the model list.")
        require_model(actor, self.model)
        tool_ids = tuple(dict.fromkeys(self.tool_ids))
        if tool_ids:  # each must be one the person may read; none needs no database session
            definitions_for(actor, tool_ids)
        parse_schema(self.schema)
        options = check_options(self.options)
        return ChatSettings(self.model, self.system_prompt.strip(), options, tool_ids, self.think, self.schema.strip())


@dataclass(frozen=True)
class ChatView:
    chat: Chat
    messages: list[ChatMessage]


@dataclass(frozen=True)
class NewMessage:
    """The person's message (in a new chat when `chat_id` is None); `images` are base64, as Ollama takes them."""

    chat_id: int | None
    settings: ChatSettings
    text: str
    images: tuple[str, ...] = ()

    def save(self, session: Session, actor: Actor) -> Chat:
        """Everything is checked first: an empty message, a model the workshop does not use, a parameter out
        of range, a schema that is not one or an image that is not one is refused before anything is saved."""
        settings = self.settings.checked(actor)
        _check_message(self.text, "Type something before sending.")
        check_attachments(self.images)
        if self.chat_id is None:
            chat = _new_chat(actor, self.text)
            _apply(chat, settings)
            session.add(chat)
            session.flush()
        else:
            chat = _applied(session, actor, self.chat_id, settings)
        _insert_message(session, saved_id(chat), "user", content=self.text.strip(), images=list(self.images))
        return chat


@dataclass(frozen=True)
class EditedMessage:
    """One of the person's messages replaced; everything after it goes, ready to resend."""

    message_id: int
    settings: ChatSettings
    text: str

    def save(self, session: Session, actor: Actor) -> Chat:
        settings = self.settings.checked(actor)
        _check_message(self.text, "Type something, or delete the message instead.")
        message, chat = _message(session, actor, self.message_id)
        if message.role != "user":
            raise InvalidInput("Only your own messages can be edited.", hint="Use Regenerate for a new reply.")
        message.content = self.text.strip()
        session.add(message)
        _drop_after(session, message)
        _apply(chat, settings)
        session.add(chat)
        session.flush()
        return chat


@dataclass(frozen=True)
class Regeneration:
    """The chat's last reply (complete, stopped or incomplete) dropped, so a new one can be streamed."""

    chat_id: int
    settings: ChatSettings

    def save(self, session: Session, actor: Actor) -> Chat:
        settings = self.settings.checked(actor)
        chat = _applied(session, actor, self.chat_id, settings)
        last = session.exec(
            select(ChatMessage).where(ChatMessage.chat_id == self.chat_id).order_by(col(ChatMessage.id).desc()).limit(1)
        ).first()
        if last is not None and last.role == "assistant":
            session.delete(last)
            session.flush()
        return chat


Question = NewMessage | EditedMessage | Regeneration
"""What the person asked: saved before the model is asked."""


@dataclass(frozen=True)
class ReplySaved:
    """The last event of a reply that ran to its end: the reply as kept and its chat, just touched."""

    chat: Chat
    reply: ChatMessage


def list_chats(actor: Actor | None, search: str = "") -> list[Chat]:
    """This person's chats, most recently used first; `search` matches titles and message text."""
    actor = require_actor(actor)
    query = select(Chat).where(Chat.creator_id == actor.id).order_by(col(Chat.updated_at).desc(), col(Chat.id).desc())
    if search.strip():
        pattern = f"%{search.strip()}%"
        matching = select(ChatMessage.chat_id).where(col(ChatMessage.content).ilike(pattern))
        query = query.where(or_(col(Chat.title).ilike(pattern), col(Chat.id).in_(matching)))
    with session_scope() as session:
        return list(session.exec(query).all())


def get_chat(actor: Actor | None, chat_id: int) -> ChatView:
    return _view(actor, chat_id, Action.READ)


def rename_chat(actor: Actor | None, chat_id: int, title: str) -> Chat:
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("A chat needs a title.", hint="Type a few words that say what it is about.")
    with session_scope() as session:
        chat = _chat(session, actor, chat_id, Action.WRITE)
        chat.title = title[:200]
        session.add(chat)
        return chat


def delete_chat(actor: Actor | None, chat_id: int) -> None:
    with session_scope() as session:
        session.delete(_chat(session, actor, chat_id, Action.DELETE))


def ask(actor: Actor | None, question: Question) -> ChatView:
    """Save the question, then read the chat as the model will read it, in one transaction.

    The reply's stream starts from this view (`stream_chat_reply`), so a chat costs one trip
    to the database before its request to the model, not one to save and one to read.
    """
    actor = require_actor(actor)
    with session_scope() as session:
        chat = question.save(session, actor)
        return ChatView(chat, _messages(session, saved_id(chat)))


def _saved(actor: Actor | None, question: Question) -> int:
    actor = require_actor(actor)
    with session_scope() as session:
        return saved_id(question.save(session, actor))


def send_message(
    actor: Actor | None, chat_id: int | None, settings: ChatSettings, text: str, images: tuple[str, ...] = ()
) -> int:
    """Save the person's message (in a new chat when `chat_id` is None); returns the chat's id (see NewMessage)."""
    return _saved(actor, NewMessage(chat_id, settings, text, images))


def _check_message(text: str, empty_hint: str) -> None:
    if not text.strip():
        raise InvalidInput("The message is empty.", hint=empty_hint)
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(
            f"The message is {len(text):,} characters long; the limit is {MAX_MESSAGE_CHARS:,}.",
            hint="Shorten it, or upload a long text as a document and ask about it on the RAG page.",
        )


def edit_message(actor: Actor | None, message_id: int, settings: ChatSettings, text: str) -> int:
    """Replace one of the person's messages and drop everything after it, ready to resend."""
    return _saved(actor, EditedMessage(message_id, settings, text))


def prepare_regenerate(actor: Actor | None, chat_id: int, settings: ChatSettings) -> int:
    """Drop the last reply (complete, stopped or incomplete) so a new one can be streamed."""
    return _saved(actor, Regeneration(chat_id, settings))


def delete_message(actor: Actor | None, message_id: int) -> int:
    with session_scope() as session:
        message, chat = _message(session, actor, message_id)
        session.delete(message)
        chat.updated_at = utcnow()
        session.add(chat)
        return saved_id(chat)


@dataclass
class _ReplySoFar:
    """What to save of a reply, whichever way its stream ends."""

    asked: int  # how many messages the model was sent
    schema: dict[str, Any] | None = None  # the schema the reply was asked to fit
    clock: ReplyClock = field(default_factory=ReplyClock)
    pieces: list[str] = field(default_factory=list)
    thoughts: list[str] = field(default_factory=list)
    thinking_since: float | None = None  # when the first piece of reasoning came
    thinking_ms: float | None = None  # from the first piece of reasoning to the first of the answer
    status: str = ReplyStatus.STOPPED
    error: str = ""
    answer: str | None = None  # the final text, when the tool loop ended
    tool_messages: list[dict[str, Any]] = field(default_factory=list)
    trace: list[TraceStep] = field(default_factory=list)

    def saw(self, event: ChatChunk | QueueUpdate | TraceStep | LoopEnded) -> None:
        if isinstance(event, ChatChunk | QueueUpdate):
            self.clock.saw(event)
        if isinstance(event, ChatChunk):
            self._think(event)
            self.pieces.append(event.content)
            if event.stats is not None:
                self.status = ReplyStatus.DONE
        elif isinstance(event, TraceStep):
            self.trace.append(event)
        elif isinstance(event, LoopEnded):
            # Between the question and the answer: the model's calls and their results.
            self.status, self.answer, self.tool_messages = (
                ReplyStatus.DONE,
                event.reply,
                event.messages[self.asked : -1],
            )

    def _think(self, chunk: ChatChunk) -> None:
        now = time.perf_counter()
        if chunk.thinking:
            self.thoughts.append(chunk.thinking)
            self.thinking_since = self.thinking_since or now
        if self.thinking_since is not None and self.thinking_ms is None and (chunk.content or chunk.done):
            self.thinking_ms = (now - self.thinking_since) * 1000

    @property
    def content(self) -> str:
        return self.answer if self.answer is not None else "".join(self.pieces)

    @property
    def stats(self) -> dict[str, Any]:
        thought = {"thinking_ms": self.thinking_ms} if self.thinking_ms is not None else {}
        return {**self.clock.timing().as_dict(), **thought}


async def stream_chat_reply(
    actor: Actor | None, chat: int | ChatView, *, client_ip: str | None = None
) -> AsyncGenerator[ChatView | ChatChunk | QueueUpdate | TraceStep | ReplySaved, None]:
    """Stream the model's answer to the chat's last message, then save it however it ended.

    Given the chat's id, the stream reads the chat and first yields it as it stands (ChatView:
    what the model reads), then the reply; given the chat as `ask` just saved and read it, the
    caller has it already: it is neither read nor yielded again.
    With tools attached, the model must be able to call tools; each call is yielded as a
    TraceStep once it ran. A reply that runs to its end is saved and yielded as ReplySaved,
    so a page can show it as kept without reading the chat again. Closing this generator
    (Stop) closes the request to Ollama and saves the text so far as stopped, and so does a
    stop from another tab, worker or the REST API (services/core/running_streams.py); a failure
    mid-stream saves it as incomplete and re-raises the error. The database work runs in
    threads, off the event loop that streams everyone's replies.
    """
    actor = require_actor(actor)
    opened = isinstance(chat, ChatView)
    view = chat if isinstance(chat, ChatView) else await off_loop(_view, actor, chat, Action.WRITE)
    require(actor, Action.WRITE, view.chat)
    history, chat_id = _history(view.chat, view.messages), saved_id(view.chat)
    require_model(actor, view.chat.model)
    extras = await _extras(view.chat, history)
    reply, saving = _ReplySoFar(len(history), extras.get("format")), False
    async with running_stream(actor, CHAT_REPLY, str(chat_id)) as stopped_elsewhere:
        try:
            if not opened:
                yield view
            events = until_stopped(_model_events(actor, view.chat, history, extras, client_ip), stopped_elsewhere)
            async with aclosing(events):
                async for event in events:
                    reply.saw(event)
                    if not isinstance(event, LoopEnded):
                        yield event
            saving = True
            if (saved := await off_loop(_save_reply, chat_id, view.chat.model, reply)) is not None:
                yield saved
        except WorkshopError as failure:
            reply.status, reply.error = ReplyStatus.INCOMPLETE, failure.message
            raise
        finally:
            if not saving:
                await off_loop(_save_reply, chat_id, view.chat.model, reply)  # finishes even if this task is cancelled


def _model_events(
    actor: Actor, chat: Chat, history: list[dict[str, Any]], extras: dict[str, Any], client_ip: str | None
) -> AsyncGenerator[ChatChunk | QueueUpdate | TraceStep | LoopEnded, None]:
    """The model's reply to the chat: through the tool loop when tools are attached, else one queued stream."""
    options = dict(chat.options)
    if chat.tool_ids:
        return reply_with_tools(
            actor, chat.model, chat.tool_ids, history, options=options, client_ip=client_ip, extras=extras
        )
    return stream_reply_queued(chat.model, history, options, user_id=actor.id, client_ip=client_ip, extras=extras)


async def _extras(chat: Chat, history: list[dict[str, Any]]) -> dict[str, Any]:
    """/api/chat's `think` and `format` for this chat (with tools, for every round), once the model can take them.

    Reasoning or images for a model whose capabilities lack them are refused here, naming the model.
    """
    images = sum(len(message.get("images", [])) for message in history)
    asked = {"think": True if chat.think else None, "format": chat.reply_schema or None}
    extras = {name: value for name, value in asked.items() if value is not None}
    await require_capabilities(chat.model, think=extras.get("think"), images=images)
    return extras


def continue_with(
    actor: Actor | None,
    settings: ChatSettings,
    prompt: str,
    reply: str,
    timing: ReplyTiming,
    *,
    thinking: str = "",
    images: Sequence[str] = (),
) -> int:
    """A new chat holding one question (with its images) and the answer the person picked, with its reasoning."""
    actor = require_actor(actor)
    settings = settings.checked(actor)
    with session_scope() as session:
        chat = _new_chat(actor, prompt)
        _apply(chat, settings)
        session.add(chat)
        session.flush()
        session.add(ChatMessage(chat_id=saved_id(chat), role="user", content=prompt.strip(), images=list(images)))
        session.add(
            ChatMessage(
                chat_id=saved_id(chat),
                role="assistant",
                content=reply,
                model=settings.model,
                stats=timing.as_dict(),
                reply_schema=chat.reply_schema,
                thinking=thinking,
            )
        )
        return saved_id(chat)


def export_json(actor: Actor | None, chat_id: int) -> str:
    view = get_chat(actor, chat_id)
    document = {
        "format": EXPORT_FORMAT,
        "version": 1,
        "title": view.chat.title,
        "model": view.chat.model,
        "system_prompt": view.chat.system_prompt,
        "options": view.chat.options,
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                "model": m.model,
                "status": m.status,
                "error": m.error,
                "stats": m.stats,
                **({"thinking": m.thinking} if m.thinking else {}),
                **({"images": m.images} if m.images else {}),
                **({"reply_schema": m.reply_schema} if m.reply_schema else {}),
                **({"tool_messages": m.tool_messages, "tool_trace": m.tool_trace} if m.tool_trace else {}),
                "created_at": m.created_at.isoformat(),
            }
            for m in view.messages
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def export_markdown(actor: Actor | None, chat_id: int) -> str:
    view = get_chat(actor, chat_id)
    parts = [f"# {view.chat.title}", f"Model: `{view.chat.model}`"]
    if view.chat.system_prompt:
        parts.append(f"System prompt:\n\n> {view.chat.system_prompt}")
    for message in view.messages:
        heading = "## You" if message.role == "user" else f"## Assistant ({message.model or view.chat.model})"
        thought = [_FOLDED_THINKING.format(message.thinking)] if message.thinking else []
        steps = [_markdown_step(TraceStep.from_dict(step)) for step in message.tool_trace]
        parts += [heading, *thought, *steps, message.content]
        if message.status != ReplyStatus.DONE:
            parts.append(f"_{message.status}{': ' + message.error if message.error else ''}_")
    return "\n\n".join(parts) + "\n"


def _markdown_step(step: TraceStep) -> str:
    outcome = f"error: {step.error}" if step.error else step.result
    return f"> Tool `{step.tool}` with `{json.dumps(step.arguments, ensure_ascii=False)}` → {outcome}"


def _chat(session: Session, actor: Actor | None, chat_id: int, action: Action) -> Chat:
    return owned_row(session, actor, Chat, chat_id, action, "Chat")


def _message(session: Session, actor: Actor | None, message_id: int) -> tuple[ChatMessage, Chat]:
    message = session.get(ChatMessage, message_id)
    if message is None:
        raise NotFound("This message does not exist (any more).", hint="Reload the chat.")
    return message, _chat(session, actor, message.chat_id, Action.WRITE)


def _messages(session: Session, chat_id: int) -> list[ChatMessage]:
    return list(session.exec(_CHAT_MESSAGES, params={"chat_id": chat_id}).all())


def _new_chat(actor: Actor, first_message: str) -> Chat:
    words = " ".join(first_message.split())
    title = words if len(words) <= TITLE_CHARS else words[: TITLE_CHARS - 1].rstrip() + "…"
    return Chat(creator_id=actor.id, workshop_id=actor.workshop_id, title=title)


_SETTINGS_COLUMNS = ("model", "system_prompt", "options", "tool_ids", "think", "reply_schema", "updated_at")


def _settings_columns(settings: ChatSettings) -> dict[str, Any]:
    """The chat's columns that hold the settings last used, with the time they were used."""
    values = (settings.model, settings.system_prompt, dict(settings.options), list(settings.tool_ids), settings.think)
    return dict(zip(_SETTINGS_COLUMNS, (*values, parse_schema(settings.schema), utcnow()), strict=True))


def _apply(chat: Chat, settings: ChatSettings) -> None:
    for column, value in _settings_columns(settings).items():
        setattr(chat, column, value)


_UPDATE_OWN_CHAT = (
    update(Chat)
    .where(col(Chat.id) == bindparam("chat_id"), col(Chat.creator_id) == bindparam("owner_id"))
    .values({column: bindparam(f"new_{column}") for column in _SETTINGS_COLUMNS})
    .returning(Chat)
)
"""Built once: a statement built per call cost more to prepare than the two it replaces."""


def _applied(session: Session, actor: Actor, chat_id: int, settings: ChatSettings) -> Chat:
    """The chat with `settings` applied, as saved.

    The person's own chat (nearly every time) takes one statement that updates and returns
    it: loading it, then flushing the change, cost a chat's question most of its database
    time, paid in turn by everyone who pressed Send together. Anyone else's goes through
    the policy as before: NotFound, Forbidden, or an admin moderating it.
    """
    new_values = {f"new_{column}": value for column, value in _settings_columns(settings).items()}
    params = {"chat_id": chat_id, "owner_id": actor.id, **new_values}
    chat = session.scalars(_UPDATE_OWN_CHAT, params, execution_options={"synchronize_session": False}).one_or_none()
    if chat is None:
        chat = _chat(session, actor, chat_id, Action.WRITE)
        _apply(chat, settings)
        session.add(chat)
        session.flush()
    return chat


def _drop_after(session: Session, message: ChatMessage) -> None:
    later = select(ChatMessage).where(ChatMessage.chat_id == message.chat_id, col(ChatMessage.id) > message.id)
    for row in session.exec(later).all():
        session.delete(row)


def _view(actor: Actor | None, chat_id: int, action: Action) -> ChatView:
    with session_scope() as session:
        return ChatView(_chat(session, actor, chat_id, action), _messages(session, chat_id))


def _history(chat: Chat, messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """What the model reads: the system prompt, then every turn that has text.

    While tools are attached, each earlier reply is preceded by the tool calls and
    results that led to it, as Ollama sent and received them; without tools the model
    reads the answers alone.
    """
    if not messages or messages[-1].role != "user":
        raise InvalidInput("There is no question to answer.", hint="Type a message, or regenerate the last reply.")
    history: list[dict[str, Any]] = [{"role": "system", "content": chat.system_prompt}] if chat.system_prompt else []
    for message in messages:
        if chat.tool_ids:
            history += message.tool_messages
        if message.content or message.images:
            turn = {"role": message.role, "content": message.content}
            history.append({**turn, "images": message.images} if message.images else turn)
    return history


def _save_reply(chat_id: int, model: str, reply: _ReplySoFar) -> ReplySaved | None:
    """The reply and its chat's new `updated_at`, in two statements that return the rows as saved."""
    with session_scope() as session:
        touched = update(Chat).where(col(Chat.id) == chat_id).values(updated_at=utcnow()).returning(Chat)
        chat = session.scalars(touched, execution_options={"synchronize_session": False}).one_or_none()
        if chat is None:  # deleted while the reply streamed
            return None
        message_id, row = _insert_message(
            session,
            chat_id,
            "assistant",
            content=reply.content,
            model=model,
            status=reply.status,
            error=reply.error[:1000],
            stats=reply.stats,
            tool_messages=reply.tool_messages,
            tool_trace=[step.as_dict() for step in reply.trace],
            thinking="".join(reply.thoughts),
            reply_schema=reply.schema,
        )
        return ReplySaved(chat, ChatMessage(id=message_id, **row))


def _insert_message(session: Session, chat_id: int, role: str, **fields: Any) -> tuple[int, dict[str, Any]]:
    """One message inserted as a plain row: its id and its columns, defaults included.

    Building a ChatMessage for the unit of work (validation, then the flush's bookkeeping)
    cost most of a chat's database time.
    """
    row = {
        "content": "",
        "model": "",
        "status": ReplyStatus.DONE,
        "error": "",
        "stats": {},
        "tool_messages": [],
        "tool_trace": [],
        "thinking": "",
        "images": [],
        "reply_schema": None,
        **fields,
        "chat_id": chat_id,
        "role": role,
        "created_at": utcnow(),
    }
    inserted = session.connection().execute(_INSERT_MESSAGE, row)
    return inserted.inserted_primary_key[0], row  # type: ignore[index]  # a single-row insert has its key


_INSERT_MESSAGE = insert(ChatMessage)  # run on the connection: a Core insert, no unit of work
_CHAT_MESSAGES = (
    select(ChatMessage).where(col(ChatMessage.chat_id) == bindparam("chat_id")).order_by(col(ChatMessage.id))
)
"""Built once: making a statement (coercing every part) costs more than running it from the statement cache."""
