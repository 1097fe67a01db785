"""State of the tool playground: a model that can call tools, the chosen tools, and the traced conversation."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from workshop_app.services.ollama.scheduler import QueueUpdate
from workshop_app.services.tools.loop import LoopEnded, LoopEvent, ReplyText, TraceStep
from workshop_app.services.tools.playground import TOOL_RUN, ask_with_tools, tool_models
from workshop_app.services.tools.store import tool_summaries
from workshop_app.services.workshops.policy import Actor
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.streaming import Reply, StreamingPage, Watched, stream_reply
from workshop_app.state.tool_views import ToolRow, TranscriptEntry, step_entry, tool_row


class ToolPlaygroundState(StreamingPage, AuthState):
    models: list[str] = []
    models_notice: str = ""  # why no model is offered (none can call tools, or the host is reconnecting)
    reconnecting: bool = False
    model: str = ""
    tools: list[ToolRow] = []
    chosen: list[int] = []
    draft: str = ""
    entries: list[TranscriptEntry] = []
    reply_text: str = ""  # the text of the last entry while the model writes it (its own var: see _show)
    _history: list[dict[str, Any]] = []

    @rx.event
    @toasts_errors
    async def load(self):
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        offered = await tool_models(actor)
        self.tools = [tool_row(summary) for summary in tool_summaries(actor)]
        self.models, self.models_notice, self.reconnecting = offered.names, offered.notice, offered.reconnecting
        if self.model not in self.models:
            self.model = self.models[0] if self.models else ""
        self.chosen = [tool.id for tool in self.tools if tool.id in self.chosen]
        return self._look_elsewhere()

    def _watched(self) -> Watched | None:
        """A question of the person's running through the tool loop in another tab (its steps show there)."""
        return (TOOL_RUN, None)

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
        if not self.streaming:
            self.entries, self._history = [], []

    @rx.event
    def send(self):
        """In order after the question's last keystroke (see PlaygroundState.send), then in the background."""
        return ToolPlaygroundState.stream_send

    @rx.event(background=True)
    async def stream_send(self):
        """Run the question through the tool loop; every step shows up as it finishes."""
        return await stream_reply(self, self._start_asking)

    async def _start_asking(self, actor: Actor) -> Reply | None:
        if not self.draft.strip():
            return None
        question = self.draft
        events = ask_with_tools(
            actor, self.model, list(self.chosen), list(self._history), question, client_ip=self.router.session.client_ip
        )
        self.entries.append(TranscriptEntry(kind="user", text=question))
        self.draft = ""
        return Reply(events, show=self._show, failed=lambda _: self._ask_again(question), ended=self._keep_text)

    def _ask_again(self, question: str) -> None:
        """Refused before anything ran: the question goes back into the box."""
        if self.entries and self.entries[-1].kind == "user":
            self.entries.pop()
            self.draft = question

    def _keep_text(self) -> None:
        """The streamed text into its entry once the model's turn ends (a tool call, the loop's end, a stop)."""
        if self.reply_text and self.entries and self.entries[-1].kind == "assistant":
            self.entries[-1] = dataclasses.replace(self.entries[-1], text=self.reply_text)
        self.reply_text = ""

    def _show(self, event: LoopEvent) -> None:
        """One step of the loop onto the transcript; the model's text streams into `reply_text`.

        A redraw sends the vars it changed whole: text added to the transcript sent all of it,
        every question, tool call and result so far, several times a second.
        """
        self.queue_position = event.position if isinstance(event, QueueUpdate) else 0
        if isinstance(event, ReplyText):
            if not self.entries or self.entries[-1].kind != "assistant":
                self.entries.append(TranscriptEntry(kind="assistant"))
                self.reply_text = ""
            self.reply_text += event.text
            return
        self._keep_text()
        if isinstance(event, TraceStep):
            self.entries.append(step_entry(event))
        elif isinstance(event, LoopEnded):
            self._history = event.messages
            if event.note:
                self.entries.append(TranscriptEntry(kind="note", text=event.note))
