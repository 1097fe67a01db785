"""State of the RAG page: define RAG systems, ask them, open citations and the inspector per answer."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.core.errors import InvalidInput, WorkshopError
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.rag import collections
from workshop_app.services.rag import history as rag_history
from workshop_app.services.rag import systems as rag
from workshop_app.services.rag.systems import RagSpec
from workshop_app.services.tools.loop import TraceStep
from workshop_app.services.tools.store import tool_summaries
from workshop_app.services.workshops.policy import usable_models
from workshop_app.state import stop_signals
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import error_toast
from workshop_app.state.rag_views import (
    AnswerView,
    CollectionRow,
    HitView,
    SystemRow,
    answer_view,
    collection_row,
    finish_answer,
    kept_answer_view,
    system_row,
)
from workshop_app.state.tool_views import ToolRow, step_entry, tool_row

COMPLETION = "completion"


def _spec(form: dict, collection_ids: list[int], tool_ids: list[int]) -> RagSpec:
    numbers = {}
    for field, label in (("top_k", "top_k"), ("num_ctx", "num_ctx")):
        if not str(form.get(field, "")).strip().isdigit():
            raise InvalidInput(f"{label} must be a whole number.")
        numbers[field] = int(form[field])
    try:
        threshold = float(form.get("score_threshold", "0") or 0)
    except ValueError:
        raise InvalidInput("The score threshold must be a number, e.g. 0.2.") from None
    return RagSpec(
        form.get("name", ""),
        form.get("chat_model", ""),
        collection_ids,
        form.get("prompt_template", ""),
        numbers["top_k"],
        threshold,
        numbers["num_ctx"],
        form.get("visibility", "private"),
        tuple(tool_ids),
    )


class RagState(AuthState):
    systems: list[SystemRow] = []
    selected_id: int = 0
    chat_models: list[str] = []
    collections: list[CollectionRow] = []
    chosen_collections: list[int] = []
    tools: list[ToolRow] = []
    chosen_tools: list[int] = []
    form_open: bool = False
    default_template: str = rag.DEFAULT_TEMPLATE
    draft: str = ""
    answers: list[AnswerView] = []
    streaming: bool = False
    citation: HitView = HitView()
    citation_open: bool = False
    inspected: AnswerView = AnswerView()
    inspector_open: bool = False

    @rx.var
    def selected(self) -> SystemRow:
        return next((row for row in self.systems if row.id == self.selected_id), SystemRow())

    @rx.event
    async def load(self):
        if self.signed_in() is None:
            return self.to_login()
        try:
            actor = self.acting()
            self.chat_models = usable_models(actor, await collections.capable_models(COMPLETION))
            self.collections = [collection_row(c) for c in collections.list_collections(actor)]
            self.tools = [tool_row(summary) for summary in tool_summaries(actor)]
            self.systems = [system_row(s) for s in rag.list_rag_systems(actor)]
        except WorkshopError as error:
            return error_toast(error)
        if self.selected_id not in {row.id for row in self.systems}:
            self.selected_id = self.systems[0].id if self.systems else 0
        return self._show_history()

    @rx.event
    def select(self, system_id: int):
        if not self.streaming:
            self.selected_id = system_id
            return self._show_history()
        return None

    @rx.event
    def clear_history(self):
        if self.streaming or not self.selected_id:
            return None
        return self.attempt(lambda actor: rag_history.clear_history(actor, self.selected_id)) or self._show_history()

    def _show_history(self):
        """The person's own earlier questions to the selected system, as they ended."""
        if self.streaming:
            return None
        if not self.selected_id:
            self.answers = []
            return None
        try:
            self.answers = [kept_answer_view(kept) for kept in rag_history.history(self.acting(), self.selected_id)]
        except WorkshopError as error:
            self.answers = []
            return error_toast(error)
        return None

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = value

    @rx.event
    def toggle_collection(self, collection_id: int, chosen: bool):
        others = [c for c in self.chosen_collections if c != collection_id]
        self.chosen_collections = [*others, collection_id] if chosen else others

    @rx.event
    def toggle_tool(self, tool_id: int, chosen: bool):
        others = [t for t in self.chosen_tools if t != tool_id]
        self.chosen_tools = [*others, tool_id] if chosen else others

    @rx.event
    async def create(self, form: dict):
        try:
            system = rag.create_rag_system(
                self.acting(), _spec(form, list(self.chosen_collections), list(self.chosen_tools))
            )
        except WorkshopError as error:
            return error_toast(error)
        self.form_open, self.selected_id, self.answers, self.chosen_collections, self.chosen_tools = (
            False,
            system.id or 0,
            [],
            [],
            [],
        )
        return RagState.load

    @rx.event
    def set_draft(self, value: str):
        self.draft = value

    @rx.event
    def ask(self):
        """In order after the question's last keystroke (see PlaygroundState.send), then in the background."""
        return RagState.stream_ask

    @rx.event(background=True)
    async def stream_ask(self):
        async with self:
            if self.streaming:
                return
            question, system_id, self.streaming = self.draft.strip(), self.selected_id, True
            try:
                actor = self.acting()
            except WorkshopError as error:
                self.streaming = False
                yield error_toast(error)
                return
            tab = self.router.session.client_token
            stop = stop_signals.begin(tab)
        status = "stopped"
        try:
            system, inspection = await rag.prepare(actor, system_id, question)
            async with self:
                self.draft = ""
                self.answers = [*self.answers, answer_view(question, inspection)]
            async for event in until_stopped(rag_history.answer_and_keep(actor, system, inspection), stop):
                async with self:
                    if isinstance(event, TraceStep):
                        self.answers[-1].trace.append(step_entry(event))
                        continue
                    self.answers[-1].text += event.content
                    status = "done" if event.done else status
            async with self:
                finish_answer(self.answers[-1], inspection)
        except WorkshopError as error:
            status = "failed"
            yield error_toast(error)
        finally:
            stop_signals.end(tab)
            async with self:
                if self.answers and self.answers[-1].status == "streaming":
                    self.answers[-1].status = status
                self.streaming = False

    @rx.event
    def stop(self):
        stop_signals.stop(self.router.session.client_token)

    @rx.event
    def open_citation(self, answer_index: int, number: int):
        source = next((s for s in self.answers[answer_index].sources if s.number == number), None)
        if source is not None:
            self.citation, self.citation_open = source, True

    @rx.event
    def set_citation_open(self, value: bool):
        self.citation_open = value

    @rx.event
    def inspect(self, answer_index: int):
        self.inspected, self.inspector_open = self.answers[answer_index], True

    @rx.event
    def set_inspector_open(self, value: bool):
        self.inspector_open = value
