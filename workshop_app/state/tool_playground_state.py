"""State of the tool playground: a model that can call tools, the chosen tools, and the traced conversation."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.ollama.scheduler import QueueUpdate
from workshop_app.services.tools.loop import LoopEnded, LoopEvent, ReplyText, TraceStep
from workshop_app.services.tools.playground import ask_with_tools, tool_models
from workshop_app.services.tools.store import tool_summaries
from workshop_app.state import stop_signals
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import error_toast
from workshop_app.state.tool_views import ToolRow, TranscriptEntry, step_entry, tool_row


class ToolPlaygroundState(AuthState):
    models: list[str] = []
    models_notice: str = ""  # why no model is offered (none can call tools, or the host is reconnecting)
    reconnecting: bool = False
    model: str = ""
    tools: list[ToolRow] = []
    chosen: list[int] = []
    draft: str = ""
    entries: list[TranscriptEntry] = []
    running: bool = False
    queue_position: int = 0
    _history: list[dict[str, Any]] = []

    @rx.event
    async def load(self):
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        try:
            offered = await tool_models(actor)
            self.tools = [tool_row(summary) for summary in tool_summaries(actor)]
        except WorkshopError as error:
            return error_toast(error)
        self.models, self.models_notice, self.reconnecting = offered.names, offered.notice, offered.reconnecting
        if self.model not in self.models:
            self.model = self.models[0] if self.models else ""
        self.chosen = [tool.id for tool in self.tools if tool.id in self.chosen]
        return None

    @rx.event
    def set_model(self, value: str):
        self.model = value

    @rx.event
    def set_draft(self, value: str):
        self.draft = value

    @rx.event
    def toggle_tool(self, tool_id: int, chosen: bool):
        others = [existing for existing in self.chosen if existing != tool_id]
        self.chosen = [*others, tool_id] if chosen else others

    @rx.event
    def clear(self):
        if not self.running:
            self.entries, self._history = [], []

    @rx.event
    def stop(self):
        stop_signals.stop(self.router.session.client_token)

    @rx.event
    def send(self):
        """In order after the question's last keystroke (see PlaygroundState.send), then in the background."""
        return ToolPlaygroundState.stream_send

    @rx.event(background=True)
    async def stream_send(self):
        """Run the question through the tool loop; every step shows up as it finishes."""
        async with self:
            if self.running or not self.draft.strip():
                return
            actor, question = self.signed_in(), self.draft
            events = ask_with_tools(
                actor,
                self.model,
                list(self.chosen),
                list(self._history),
                question,
                client_ip=self.router.session.client_ip,
            )
            token = self.router.session.client_token
            stop = stop_signals.begin(token)
            self.entries.append(TranscriptEntry(kind="user", text=question))
            self.draft, self.running = "", True
        try:
            async for event in until_stopped(events, stop):
                async with self:
                    self._show(event)
        except WorkshopError as error:
            async with self:
                if self.entries and self.entries[-1].kind == "user":  # refused before anything ran: ask again
                    self.entries.pop()
                    self.draft = question
            yield error_toast(error)
        finally:
            stop_signals.end(token)
            async with self:
                self.running, self.queue_position = False, 0

    def _show(self, event: LoopEvent) -> None:
        self.queue_position = event.position if isinstance(event, QueueUpdate) else 0
        if isinstance(event, ReplyText):
            if not self.entries or self.entries[-1].kind != "assistant":
                self.entries.append(TranscriptEntry(kind="assistant"))
            last = self.entries[-1]
            self.entries[-1] = dataclasses.replace(last, text=last.text + event.text)
        elif isinstance(event, TraceStep):
            self.entries.append(step_entry(event))
        elif isinstance(event, LoopEnded):
            self._history = event.messages
            if event.note:
                self.entries.append(TranscriptEntry(kind="note", text=event.note))
