"""State of the Playground page: a kept chat with one model, its settings and tools, and the reply streaming in."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx

from workshop_app.services import chats
from workshop_app.services.chat_models import chat_models
from workshop_app.services.chats import ChatSettings
from workshop_app.services.errors import WorkshopError
from workshop_app.services.generation_options import PARAMETERS
from workshop_app.services.ollama.scheduler import QueueUpdate
from workshop_app.services.streaming import until_stopped
from workshop_app.services.tools.loop import TraceStep
from workshop_app.services.tools.store import tool_summaries
from workshop_app.state import stop_signals
from workshop_app.state.auth_state import AuthState
from workshop_app.state.chat_views import chat_row, message_row, model_row, trace_entries
from workshop_app.state.feedback import error_toast
from workshop_app.state.tool_views import ToolRow, TranscriptEntry, step_entry, tool_row

# (name, label, help) of each generation parameter, for the settings form.
PARAMETER_FIELDS = [(p.name, p.label, p.help) for p in PARAMETERS]


class PlaygroundState(AuthState):
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
    messages: list[dict[str, str]] = []
    traces: dict[str, list[TranscriptEntry]] = {}  # tool calls per reply id ("" while it streams)
    chats: list[dict[str, str]] = []
    search: str = ""
    editing_id: str = ""
    edit_text: str = ""
    streaming: bool = False
    queue_position: int = 0
    reply_stats: str = ""

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
        return [event for event in (self._show(self.chat_id), self._list()) if event is not None]

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

    @rx.event
    def export(self, kind: str):
        """Download the open chat as Markdown or JSON."""
        try:
            exporter = chats.export_markdown if kind == "md" else chats.export_json
            text = exporter(self.acting(), self.chat_id)
        except WorkshopError as error:
            return error_toast(error)
        return rx.download(data=text, filename=f"chat-{self.chat_id}.{kind}")

    @rx.event
    def stop(self):
        stop_signals.stop(self.router.session.client_token)

    @rx.event(background=True)
    async def send(self):
        """Save the message (before anything is sent), then stream the reply."""
        async for event in self._prepare_and_stream(lambda actor: chats.send_message(actor, self.chat_id or None, self._settings(), self.draft)):
            yield event

    @rx.event(background=True)
    async def regenerate(self):
        """A new reply to the last question; also the retry for an incomplete reply."""
        async for event in self._prepare_and_stream(lambda actor: chats.prepare_regenerate(actor, self.chat_id, self._settings())):
            yield event

    @rx.event(background=True)
    async def resend_edit(self):
        async for event in self._prepare_and_stream(
            lambda actor: chats.edit_message(actor, int(self.editing_id), self._settings(), self.edit_text)
        ):
            yield event

    async def _prepare_and_stream(self, prepare):
        """Run one saving service call, then stream the chat's reply into the last bubble."""
        async with self:
            if self.streaming:
                return
            try:
                actor = self.acting()
                chat_id = prepare(actor)
            except WorkshopError as error:
                yield error_toast(error)
                return
            token, address = self.router.session.client_token, self.router.session.client_ip
            self.draft, self.editing_id, self.reply_stats, self.streaming = "", "", "", True
            self._show(chat_id)
            self.messages.append({"id": "", "role": "assistant", "content": "", "model": self.model, "status": "streaming", "error": "", "stats": ""})
            stop = stop_signals.begin(token)
        try:
            async for chunk in until_stopped(chats.stream_chat_reply(actor, chat_id, client_ip=address), stop):
                async with self:
                    if isinstance(chunk, QueueUpdate):
                        self.queue_position = chunk.position
                        continue
                    self.queue_position = 0
                    if isinstance(chunk, TraceStep):
                        self.traces[""] = [*self.traces.get("", []), step_entry(chunk)]
                    else:
                        self.messages[-1]["content"] += chunk.content
        except WorkshopError as error:
            yield error_toast(error)
        finally:
            stop_signals.end(token)
            async with self:
                self.streaming, self.queue_position = False, 0
                self._show(chat_id)
                self._list()

    def _reset_chat(self) -> None:
        self.chat_id, self.title, self.messages, self.reply_stats, self.editing_id, self.traces = 0, "", [], "", "", {}

    def _settings(self) -> ChatSettings:
        return ChatSettings(self.model, self.system_prompt, dict(self.params), tuple(self.tool_ids))

    def _show(self, chat_id: int):
        """Show a kept chat as saved (0: a new, empty one); a refusal becomes a toast."""
        if not chat_id:
            return None
        try:
            view = chats.get_chat(self.acting(), chat_id)
        except WorkshopError as error:
            self.chat_id = 0
            return error_toast(error)
        self.chat_id, self.title, self.model = chat_id, view.chat.title, view.chat.model or self.model
        self.system_prompt = view.chat.system_prompt
        self.params = {name: str(view.chat.options.get(name, "")) for name, _, _ in PARAMETER_FIELDS}
        self.tool_ids = [tool.id for tool in self.tools if tool.id in view.chat.tool_ids]  # a deleted tool is left out
        self.messages = [message_row(m) for m in view.messages]
        self.traces = {str(m.id): trace_entries(m) for m in view.messages if m.tool_trace}
        replies = [m for m in self.messages if m["role"] == "assistant"]
        self.reply_stats = replies[-1]["stats"] if replies else ""
        return None

    def _list(self):
        try:
            self.chats = [chat_row(c) for c in chats.list_chats(self.acting(), self.search)]
        except WorkshopError as error:
            return error_toast(error)
        return None
