"""State of the Evaluate page: question sets of a collection, a run's recall@k and MRR, a comparison."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.rag import collections
from workshop_app.services.rag.evaluation import question_sets, runs
from workshop_app.services.rag.evaluation.runs import Evaluation
from workshop_app.services.workshops.policy import usable_models
from workshop_app.state.auth_state import AuthState
from workshop_app.state.evaluation_views import (
    CollectionChoice,
    FiguresRow,
    OutcomeRow,
    SetRow,
    chart_point,
    collection_choice,
    figures_row,
    outcome_row,
    set_row,
)
from workshop_app.state.feedback import toasts_errors


class EvaluationState(AuthState):
    collections: list[CollectionChoice] = []
    collection_id: str = ""
    documents_hint: str = ""
    embedding_models: list[str] = []
    sets: list[SetRow] = []
    selected_set: int = 0
    run_label: str = ""
    recall: str = ""
    mrr: str = ""
    found: str = ""
    outcomes: list[OutcomeRow] = []
    figures: list[FiguresRow] = []
    chart: list[dict[str, float | str]] = []
    comparing: bool = False
    form_open: bool = False

    @rx.event
    @toasts_errors
    async def load(self):
        if self.signed_in() is None:
            return self.to_login()
        actor = self.acting()
        self.embedding_models = usable_models(actor, await collections.embedding_models())
        self.collections = [collection_choice(c) for c in collections.list_collections(actor)]
        self.collection_id = self.router.url.query_parameters.get("collection", self.collection_id)
        if self.collection_id not in {choice.id for choice in self.collections}:
            self.collection_id = self.collections[0].id if self.collections else ""
        self._show_collection()
        return None

    def _show_collection(self) -> None:
        self.outcomes, self.figures, self.chart, self.run_label = [], [], [], ""
        if not self.collection_id:
            self.sets, self.documents_hint, self.selected_set = [], "", 0
            return
        actor, collection_id = self.acting(), int(self.collection_id)
        titles = [member.title for member in collections.member_documents(actor, collection_id)]
        self.documents_hint = "Its documents: " + (", ".join(titles) or "none yet — add some on the Collections page")
        self.sets = [set_row(row) for row in question_sets.list_question_sets(actor, collection_id)]
        if self.selected_set not in {row.id for row in self.sets}:
            self.selected_set = self.sets[0].id if self.sets else 0

    @rx.event
    @toasts_errors
    def choose_collection(self, value: str):
        self.collection_id = value
        self._show_collection()

    @rx.event
    @toasts_errors
    def create_set(self, form: dict):
        actor, collection_id = self.acting(), int(self.collection_id or 0)
        members = collections.member_documents(actor, collection_id)
        spec = question_sets.QuestionSetSpec(
            form.get("name", ""),
            collection_id,
            question_sets.parse_lines(form.get("lines", ""), members),
            _whole(form.get("top_k", "3")),
            form.get("visibility", "private"),
        )
        self.selected_set = question_sets.create_question_set(actor, spec).id or 0
        self.form_open = False
        self._show_collection()
        return rx.toast.success(f"Saved “{spec.name.strip()}”.")

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = value

    @rx.event
    @toasts_errors
    def select_set(self, set_id: int):
        self.selected_set = set_id
        self.outcomes, self.figures, self.chart, self.run_label = [], [], [], ""

    @rx.event
    @toasts_errors
    def delete_set(self, set_id: int):
        question_sets.delete_question_set(self.acting(), set_id)
        self._show_collection()

    @rx.event
    @toasts_errors
    async def run(self):
        evaluation = await runs.run_question_set(self.acting(), self.selected_set)
        self._show_run(evaluation)
        self._show_figures([evaluation])

    @rx.event(background=True)
    @toasts_errors
    async def compare(self, form: dict):
        async with self:
            actor, set_id, self.comparing = self.acting(), self.selected_set, True
        try:
            models = [form.get("model", "")]
            variants = runs.variants_from_text(actor, set_id, form.get("sizes", ""), form.get("ks", ""), models)
            results = await runs.compare_settings(actor, set_id, variants)
        finally:
            async with self:
                self.comparing = False
        async with self:
            self._show_run(results[0])
            self._show_figures(results)

    def _show_run(self, evaluation: Evaluation) -> None:
        total = len(evaluation.outcomes)
        self.run_label = evaluation.setting.label
        self.recall, self.mrr = f"{evaluation.recall:.2f}", f"{evaluation.mrr:.2f}"
        self.found = f"{evaluation.found} of {total} found in the top {evaluation.setting.top_k}"
        self.outcomes = [outcome_row(outcome) for outcome in evaluation.outcomes]

    def _show_figures(self, evaluations: list[Evaluation]) -> None:
        baseline = evaluations[0].setting
        self.figures = [figures_row(evaluation, baseline) for evaluation in evaluations]
        self.chart = [chart_point(evaluation, baseline) for evaluation in evaluations]


def _whole(text: str) -> int:
    """A k typed in a form; anything but a whole number becomes 0, which the service refuses with its range."""
    return int(text) if text.strip().isdigit() else 0
