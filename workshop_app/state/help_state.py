"""Asking for help: the attendee's button on the Playground and RAG pages, and the instructor's queue."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.workshops import help_requests
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.playground_state import PlaygroundState
from workshop_app.state.rag_state import RagState
from workshop_app.state.time_format import ago

SENT = "Your hand is up: your instructor sees what you shared and will come over."


class HelpState(AuthState):
    """`hands` is the queue of the workshop chosen on the dashboard; `viewing` the request opened from it."""

    hands: list[dict[str, str | int]] = []
    viewing_title: str = ""
    viewing_from: str = ""
    viewing_turns: list[dict[str, str]] = []
    viewing_id: int = 0

    @rx.event
    async def ask_about_chat(self):
        playground = await self.get_state(PlaygroundState)
        if not playground.chat_id:
            return rx.toast.warning("Send a message first, then ask for help with the chat.")
        return self._asked(lambda actor: help_requests.ask_about_chat(actor, playground.chat_id))

    @rx.event
    async def ask_about_rag(self):
        rag_page = await self.get_state(RagState)
        if not rag_page.answers:
            return rx.toast.warning("Ask the RAG system a question first, then ask for help with its answer.")
        last = rag_page.answers[-1]
        sources = [f"[{hit.number}] {hit.title} {hit.where}".strip() for hit in last.sources]
        name = rag_page.selected.name
        return self._asked(lambda actor: help_requests.ask_about_rag(actor, name, last.question, last.text, sources))

    @toasts_errors
    def _asked(self, action) -> rx.event.EventSpec:
        action(self.acting())
        return rx.toast.success(SENT)

    def load_queue(self, workshop_id: int) -> None:
        """Called by the dashboard's refresh; a refusal leaves the queue empty (the dashboard says why)."""
        try:
            raised = help_requests.queue(self.acting(), workshop_id)
        except WorkshopError:
            raised = []
        self.hands = [
            {"id": h.id, "requester": h.requester, "kind": h.kind, "title": h.title, "since": ago(h.created_at)}
            for h in raised
        ]

    @rx.event
    @toasts_errors
    def open_request(self, request_id: int):
        hand = help_requests.get_request(self.acting(), request_id)
        self.viewing_id, self.viewing_title, self.viewing_from = hand.id, hand.title, hand.requester
        self.viewing_turns = [{"role": str(turn["role"]), "content": str(turn["content"])} for turn in hand.shared]

    @rx.event
    def close_request(self):
        self.viewing_id, self.viewing_turns = 0, []

    @rx.event
    @toasts_errors
    def mark_done(self, request_id: int):
        help_requests.mark_done(self.acting(), request_id)
        self.hands = [hand for hand in self.hands if hand["id"] != request_id]
        self.viewing_id, self.viewing_turns = 0, []
