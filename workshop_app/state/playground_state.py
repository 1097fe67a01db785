"""State of the Playground page: a kept chat with one model, its settings and tools, and the reply streaming in."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from functools import partial

import reflex as rx

from workshop_app.db.chats import Chat
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import (
    ChatSettings,
    ChatView,
    EditedMessage,
    NewMessage,
    Question,
    Regeneration,
    ReplySaved,
)
from workshop_app.services.chat.model_choices import chat_models
from workshop_app.services.chat.options import PARAMETERS
from workshop_app.services.chat.running_replies import CHAT_REPLY
from workshop_app.services.core.database_threads import off_loop
from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.ollama.scheduler import QueueUpdate
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.tools.loop import TraceStep
from workshop_app.services.tools.store import tool_summaries
from workshop_app.services.workshops.policy import Actor
from workshop_app.state.auth_state import AuthState
from workshop_app.state.chat_views import chat_row, message_images, message_row, model_row, trace_entries
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.reply_modes_state import ReplyModes
from workshop_app.state.streaming import Reply, StreamingPage, Watched, stream_reply
from workshop_app.state.tool_views import ToolRow, TranscriptEntry, step_entry, tool_row

# (name, label, help) of each generation parameter, for the settings form.
PARAMETER_FIELDS = [(p.name, p.label, p.help) for p in PARAMETERS]


class PlaygroundState(ReplyModes, StreamingPage, AuthState):
    """One conversation with one model, kept in the person's chat history."""

    model: str = ""
    models: list[dict[str, str]] = []
    hosts: list[dict[str, str | bool | float | int | None]] = []
    system_prompt: str = ""
    params: dict[str, str] = {name: "" for name, _, _ in PARAMETER_FIELDS}
    tools: list[ToolRow] = []
    tool_ids: list[int] = []
    draft: str = ""
    chat_id: int = 0
    title: str = ""
    messages: list[dict[str, str]] = []  # the chat as saved
    reply: dict[str, str] = {}  # the reply streaming in, shown after `messages` (its own var: see _take)
    traces: dict[str, list[TranscriptEntry]] = {}  # tool calls per reply id ("" while it streams)
    images: dict[str, list[str]] = {}  # the person's images per message id, as data URLs
    chats: list[dict[str, str]] = []
    search: str = ""
    editing_id: str = ""
    edit_text: str = ""
    _reply_kept: bool = False  # the streamed reply is shown as saved: nothing to read again when it ends
    send_on_load: bool = False  # set by "Run in playground": send the draft once the page has loaded

    @rx.var
    def unreachable_hosts(self) -> list[dict[str, str | bool | float | int | None]]:
        return [host for host in self.hosts if not host["reachable"]]

    @rx.var
    def model_options(self) -> list[str]:
        return [row["name"] for row in self.models]

    @rx.var
    def model_capabilities(self) -> list[str]:
        row = next((row for row in self.models if row["name"] == self.model), None)
        return row["capabilities"].split(", ") if row and row["capabilities"] else []

    @rx.var
    def tools_refused(self) -> bool:
        """Tools are attached but the chosen model says it cannot call them."""
        return bool(self.tool_ids) and bool(self.model_capabilities) and "tools" not in self.model_capabilities

    @rx.var
    def can_think(self) -> bool:
        return "thinking" in self.model_capabilities

    @rx.var
    def can_see(self) -> bool:
        return "vision" in self.model_capabilities

    @rx.event
    async def load_models(self):
        """Page load: the models this person may use, their chats, and the open chat."""
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        choices, hosts = await chat_models(actor)
        self.models, self.hosts = [model_row(c) for c in choices], [asdict(h) for h in hosts]
        self.tools = [tool_row(summary) for summary in tool_summaries(actor)]
        self.tool_ids = [tool.id for tool in self.tools if tool.id in self.tool_ids]
        if self.model not in self.model_options:
            self.model = self.model_options[0] if self.model_options else ""
        events = [event for event in (self._show(self.chat_id), self._list()) if event is not None]
        if self.send_on_load:  # "Run in playground": the filled prompt goes out as the page opens
            self.send_on_load = False
            events.append(PlaygroundState.send)
        return events

    @rx.event
    def set_model(self, value: str):
        self.model = value

    @rx.event
    def set_draft(self, value: str):
        self.draft = value

    @rx.event
    def set_system_prompt(self, value: str):
        self.system_prompt = value

    @rx.event
    def set_param(self, name: str, value: str):
        self.params[name] = value

    @rx.event
    def toggle_tool(self, tool_id: int, chosen: bool):
        others = [existing for existing in self.tool_ids if existing != tool_id]
        self.tool_ids = [*others, tool_id] if chosen else others

    @rx.event
    def set_title(self, value: str):
        self.title = value

    @rx.event
    def set_edit_text(self, value: str):
        self.edit_text = value

    @rx.event
    def set_search(self, value: str):
        self.search = value
        return self._list()

    @rx.event
    def new_chat(self):
        if not self.streaming:
            self._reset_chat()

    @rx.event
    def open_chat(self, chat_id: str):
        if not self.streaming:
            return self._show(int(chat_id))

    @rx.event
    def rename(self):
        if self.chat_id:
            return self.attempt(lambda actor: chats.rename_chat(actor, self.chat_id, self.title)) or self._list()

    @rx.event
    def delete_chat(self, chat_id: str):
        refused = self.attempt(lambda actor: chats.delete_chat(actor, int(chat_id)))
        if refused is None and int(chat_id) == self.chat_id:
            self._reset_chat()
        return refused or self._list()

    @rx.event
    def delete_message(self, message_id: str):
        return self.attempt(lambda actor: chats.delete_message(actor, int(message_id))) or self._show(self.chat_id)

    @rx.event
    def start_edit(self, message_id: str, content: str):
        self.editing_id, self.edit_text = message_id, content

    @rx.event
    def cancel_edit(self):
        self.editing_id = ""

    def _watched(self) -> Watched | None:
        """A reply another tab (or the API's caller) is having written into the open chat."""
        return (CHAT_REPLY, str(self.chat_id)) if self.chat_id else None

    def _ended_elsewhere(self) -> rx.event.EventSpec | None:
        """The reply written elsewhere ended: show the chat as saved."""
        return self._show(self.chat_id)

    @rx.event
    @toasts_errors
    def export(self, kind: str):
        """Download the open chat as Markdown or JSON."""
        exporter = chats.export_markdown if kind == "md" else chats.export_json
        text = exporter(self.acting(), self.chat_id)
        return rx.download(data=text, filename=f"chat-{self.chat_id}.{kind}")

    # Buttons call an ordinary handler that hands over to the background one. Reflex starts
    # a background handler as soon as its event arrives, even before the tab's earlier
    # events (the draft's last keystroke, a parameter just changed) are applied, above all
    # with Redis; an ordinary handler runs after them.
    @rx.event
    def send(self):
        return PlaygroundState.stream_send

    @rx.event
    def regenerate(self):
        return PlaygroundState.stream_regenerate

    @rx.event
    def resend_edit(self):
        return PlaygroundState.stream_resend_edit

    @rx.event(background=True)
    async def stream_send(self):
        """Save the message (before anything is sent), then stream the reply."""
        return await self._save_and_stream(
            lambda: NewMessage(self.chat_id or None, self._settings(), self.draft, self._images())
        )

    @rx.event(background=True)
    async def stream_regenerate(self):
        """A new reply to the last question; also the retry for an incomplete reply."""
        return await self._save_and_stream(lambda: Regeneration(self.chat_id, self._settings()))

    @rx.event(background=True)
    async def stream_resend_edit(self):
        return await self._save_and_stream(
            lambda: EditedMessage(int(self.editing_id), self._settings(), self.edit_text)
        )

    async def _save_and_stream(self, question: Callable[[], Question]):
        """`question` reads the form (with the state locked) into what the one service call saves first."""
        return await stream_reply(self, lambda actor: self._reply_after(actor, question()))

    async def _reply_after(self, actor: Actor, question: Question) -> Reply:
        """Save the question and read the chat back in one service call (in a database thread), then stream
        the chat's reply into the last bubble.

        The chat as the model reads it shows with the cleared form, in one redraw, and the reply as the
        stream saves it, so nothing is read twice.
        """
        view = await off_loop(chats.ask, actor, question)
        self.draft, self.editing_id, self._reply_kept, self.attachments = "", "", False, []
        self.running_elsewhere = False  # this tab writes now; its own Stop stops its reply
        self._apply_view(view)
        self.reply = _streaming_bubble(self.model)
        replies = chats.stream_chat_reply(actor, view, client_ip=self.router.session.client_ip)
        return Reply(replies, show=self._take, ended=partial(self._reread_unless_kept, actor, view.chat.id or 0))

    async def _reread_unless_kept(self, actor: Actor, chat_id: int) -> None:
        """A reply that stopped, failed or was deleted meanwhile in another tab: show the chat as saved."""
        self.reply = {}
        if self._reply_kept:
            return
        view, rows = await off_loop(_saved_chat_and_list, actor, chat_id, self.search)
        self.chats = [chat_row(c) for c in rows]
        if view is None:
            self._reset_chat()
        else:
            self._apply_view(view)

    def _take(self, event: ChatChunk | QueueUpdate | TraceStep | ReplySaved) -> None:
        """Show one part of the reply as it arrives.

        The text goes into `reply`, not into the chat's list: a redraw sends the vars it changed
        whole, so one into the list sent the whole chat to the tab (and redrew every bubble
        there) several times a second, a cost that grew with the chat.
        """
        if isinstance(event, QueueUpdate):
            self.queue_position = event.position
        elif isinstance(event, ReplySaved):
            self._reply_kept = self._show_saved(event)
        else:
            self.queue_position = 0
            if isinstance(event, TraceStep):
                self.traces[""] = [*self.traces.get("", []), step_entry(event)]
            else:
                self.reply["content"] += event.content
                self.reply["thinking"] += event.thinking

    def _show_saved(self, saved: ReplySaved) -> bool:
        """The reply as kept (id, status, timing, tool calls) instead of the streamed one; False: search the list."""
        row = message_row(saved.reply)
        self.messages.append(row)
        self.reply = {}
        self.traces = {key: steps for key, steps in self.traces.items() if key} | (
            {row["id"]: trace_entries(saved.reply)} if saved.reply.tool_trace else {}
        )
        if self.search:  # whether the chat matches it now is the search's answer
            return False
        self.chats = [chat_row(saved.chat), *(c for c in self.chats if c["id"] != str(saved.chat.id))]
        return True

    def _reset_chat(self) -> None:
        self.chat_id, self.title, self.messages, self.editing_id, self.traces, self.images = 0, "", [], "", {}, {}
        self.reply = {}
        self.running_elsewhere = False

    def _settings(self) -> ChatSettings:
        think = self.think and "thinking" in self.model_capabilities  # the toggle only counts where it shows
        return ChatSettings(
            self.model, self.system_prompt, dict(self.params), tuple(self.tool_ids), think, self._schema()
        )

    @toasts_errors
    def _show(self, chat_id: int) -> rx.event.EventSpec | None:
        """Show a kept chat as saved (0: a new, empty one); a refusal becomes a toast.

        A reply another tab is writing into it is not saved yet: the page says so, offers to stop it
        and follows it, to show the chat again once it ended.
        """
        self.running_elsewhere = False
        if not chat_id:
            return None
        self.chat_id = 0  # a chat that cannot be shown is not the open one
        actor = self.acting()
        self._apply_view(chats.get_chat(actor, chat_id))
        return self._look_elsewhere()

    def _apply_view(self, view: ChatView) -> None:
        """Show a chat as read; only what differs from what the page shows goes into the next delta."""
        self._set_changed(
            chat_id=view.chat.id or 0,
            title=view.chat.title,
            model=view.chat.model or self.model,
            system_prompt=view.chat.system_prompt,
            params={name: str(view.chat.options.get(name, "")) for name, _, _ in PARAMETER_FIELDS},
            tool_ids=[tool.id for tool in self.tools if tool.id in view.chat.tool_ids],  # a deleted tool is left out
            messages=[message_row(m) for m in view.messages],
            traces={str(m.id): trace_entries(m) for m in view.messages if m.tool_trace},
            images={str(m.id): message_images(m) for m in view.messages if m.images},
            think=view.chat.think,
            structured=view.chat.reply_schema is not None,
        )
        if view.chat.reply_schema is not None:
            self._set_changed(schema_text=json.dumps(view.chat.reply_schema, indent=2))

    @toasts_errors
    def _list(self) -> None:
        self.chats = [chat_row(c) for c in chats.list_chats(self.acting(), self.search)]


def _streaming_bubble(model: str) -> dict[str, str]:
    """The reply's bubble while it streams in: no id until it is saved."""
    return {
        "id": "",
        "role": "assistant",
        "content": "",
        "model": model,
        "status": "streaming",
        "error": "",
        "stats": "",
        "thinking": "",
        "thought_for": "",
        "json": "",
        "verdict": "",
    }


def _saved_chat_and_list(actor: Actor, chat_id: int, search: str) -> tuple[ChatView | None, list[Chat]]:
    """After a reply: the chat as saved (None if it was deleted meanwhile) and the person's chat list."""
    try:
        view = chats.get_chat(actor, chat_id)
    except WorkshopError:
        view = None
    return view, chats.list_chats(actor, search)
