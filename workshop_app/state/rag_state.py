"""State of the RAG page: define RAG systems, ask them, open citations and the inspector per answer."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

import reflex as rx

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.rag import collections
from workshop_app.services.rag import history as rag_history
from workshop_app.services.rag import systems as rag
from workshop_app.services.rag.history import RAG_ANSWER
from workshop_app.services.rag.systems import Inspection, RagSpec
from workshop_app.services.tools.loop import TraceStep
from workshop_app.services.tools.store import tool_summaries
from workshop_app.services.workshops.policy import Actor, usable_models
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
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
from workshop_app.state.streaming import Reply, StreamingPage, Watched, stream_reply
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


async def _asked(
    actor: Actor, system_id: int, question: str
) -> AsyncGenerator[Inspection | ChatChunk | TraceStep, None]:
    """Retrieval first (its inspection opens the answer on the page), then the answer as it is kept.

    One stream from the start, so Stop during retrieval stops it too.
    """
    system, inspection = await rag.prepare(actor, system_id, question)
    yield inspection
    async with aclosing(rag_history.answer_and_keep(actor, system, inspection)) as answer:
        async for event in answer:
            yield event


class RagState(StreamingPage, AuthState):
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
    answer_text: str = ""  # the text of the last answer while it streams (its own var: see _show_answer)
    _inspection: Inspection | None = None  # what the streaming answer was asked with, to settle it
    citation: HitView = HitView()
    citation_open: bool = False
    inspected: AnswerView = AnswerView()
    inspector_open: bool = False

    @rx.var
    def selected(self) -> SystemRow:
        return next((row for row in self.systems if row.id == self.selected_id), SystemRow())

    @rx.event
    @toasts_errors
    async def load(self):
        if self.signed_in() is None:
            return self.to_login()
        actor = self.acting()
        self.chat_models = usable_models(actor, await collections.capable_models(COMPLETION))
        self.collections = [collection_row(c) for c in collections.list_collections(actor)]
        self.tools = [tool_row(summary) for summary in tool_summaries(actor)]
        self.systems = [system_row(s) for s in rag.list_rag_systems(actor)]
        if self.selected_id not in {row.id for row in self.systems}:
            self.selected_id = self.systems[0].id if self.systems else 0
        return self._show_history() or self._look_elsewhere()

    def _watched(self) -> Watched | None:
        """An answer to one of the person's questions streaming in another tab."""
        return (RAG_ANSWER, None)

    def _ended_elsewhere(self) -> rx.event.EventSpec | None:
        """The answer streaming elsewhere ended: the history shows it as it was kept."""
        self.running_elsewhere = False
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

    @toasts_errors
    def _show_history(self) -> None:
        """The person's own earlier questions to the selected system, as they ended."""
        if self.streaming:
            return
        self.answers = []
        if self.selected_id:
            self.answers = [kept_answer_view(kept) for kept in rag_history.history(self.acting(), self.selected_id)]

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
    @toasts_errors
    async def create(self, form: dict):
        system = rag.create_rag_system(
            self.acting(), _spec(form, list(self.chosen_collections), list(self.chosen_tools))
        )
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
        return await stream_reply(self, self._start_asking)

    async def _start_asking(self, actor: Actor) -> Reply:
        """The answer opens once retrieval is done (see `_asked`), streams in, and settles as it ended."""
        answers = _asked(actor, self.selected_id, self.draft.strip())
        return Reply(answers, show=self._show_answer, failed=lambda _: self._settle("failed"), ended=self._settle)

    def _show_answer(self, event: Inspection | ChatChunk | TraceStep) -> None:
        """The answer opens with what retrieval found; its text streams into `answer_text` until it settles.

        A redraw sends the vars it changed whole: text added to the list sent every answer of the
        history, with its retrieved chunks and exact prompt, several times a second.
        """
        if isinstance(event, Inspection):
            self.draft, self._inspection, self.answer_text = "", event, ""
            self.answers = [*self.answers, answer_view(event.question, event)]
        elif isinstance(event, TraceStep):
            self.answers[-1].trace.append(step_entry(event))
        else:
            self.answer_text += event.content
            if event.done:
                self._settle("done")

    def _settle(self, status: str = "stopped") -> None:
        """End the answer still streaming as `status`: a done or stopped one shows what it cites."""
        last = self.answers[-1] if self.answers else None
        if last is None or last.status != "streaming" or self._inspection is None:
            return
        last.text = self.answer_text
        if status != "failed":
            finish_answer(last, self._inspection)
        last.status = status

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
