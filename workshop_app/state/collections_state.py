"""State of the Collections page: create, add documents as a watched background job, search, map."""

from __future__ import annotations

import asyncio

import reflex as rx

from workshop_app.services.core.errors import InvalidInput, WorkshopError
from workshop_app.services.core.jobs import get_jobs
from workshop_app.services.rag import collections, documents
from workshop_app.services.rag.collections import CollectionSpec
from workshop_app.services.rag.embedding_jobs import collection_jobs, start_embedding
from workshop_app.services.rag.embedding_map import collection_map
from workshop_app.services.rag.retrieval import search
from workshop_app.services.workshops.policy import usable_models
from workshop_app.state.auth_state import AuthState
from workshop_app.state.documents_state import chunk_settings_from
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.rag_views import (
    CollectionRow,
    DocumentRow,
    HitView,
    JobView,
    MapSeries,
    MemberRow,
    collection_row,
    document_row,
    hit_view,
    job_view,
    map_note,
    map_series,
    member_row,
)

JOB_POLL_S = 0.3
JOBS_SHOWN = 3


def _spec_from(form: dict) -> CollectionSpec:
    """The new collection's settings as typed into the form; InvalidInput names a field that is not a number."""
    chunks = chunk_settings_from(
        form.get("chunk_size", ""),
        form.get("chunk_overlap", ""),
        form.get("chunk_unit", "chars"),
        form.get("markdown") == "on",
    )
    return CollectionSpec(
        form.get("name", ""),
        form.get("embedding_model", ""),
        form.get("distance", "cosine"),
        chunks,
        form.get("visibility", "private"),
    )


class CollectionsState(AuthState):
    rows: list[CollectionRow] = []
    selected_id: int = 0
    members: list[MemberRow] = []
    documents: list[DocumentRow] = []
    chosen_documents: list[int] = []
    embedding_models: list[str] = []
    form_open: bool = False
    jobs: list[JobView] = []
    watching: bool = False
    query: str = ""
    top_k: str = "5"
    hits: list[HitView] = []
    series: list[MapSeries] = []
    query_point: list[dict[str, float | str]] = []
    map_note: str = ""
    _query_vector: list[float] = []

    @rx.var
    def selected(self) -> CollectionRow:
        return next((row for row in self.rows if row.id == self.selected_id), CollectionRow())

    @rx.var
    def job_running(self) -> bool:
        return any(job.running for job in self.jobs)

    @rx.event
    @toasts_errors
    async def load(self):
        if self.signed_in() is None:
            return self.to_login()
        self.embedding_models = usable_models(self.acting(), await collections.embedding_models())
        return await self._reload()

    @toasts_errors
    async def _reload(self):
        actor = self.acting()
        self.rows = [collection_row(c) for c in collections.list_collections(actor)]
        self.documents = [document_row(d) for d in documents.list_documents(actor)]
        if self.selected_id not in {row.id for row in self.rows}:
            self.selected_id = self.rows[0].id if self.rows else 0
        await self._show_selected()
        return CollectionsState.watch_jobs if self.job_running else None

    async def _show_selected(self) -> None:
        if not self.selected_id:
            self.members, self.jobs = [], []
            return
        actor = self.acting()
        self.members = [member_row(m) for m in collections.member_documents(actor, self.selected_id)]
        self.jobs = [job_view(job) for job in (await collection_jobs(actor, self.selected_id))[:JOBS_SHOWN]]

    @rx.event
    async def select(self, collection_id: int):
        self.selected_id = collection_id
        self.hits, self.series, self.query_point, self.map_note, self._query_vector = [], [], [], "", []
        return await self._reload()

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = value

    @rx.event
    @toasts_errors
    async def create(self, form: dict):
        row = await collections.create_collection(self.acting(), _spec_from(form))
        self.form_open, self.selected_id = False, row.id or 0
        return await self._reload()

    @rx.event
    def toggle_document(self, document_id: int, chosen: bool):
        others = [d for d in self.chosen_documents if d != document_id]
        self.chosen_documents = [*others, document_id] if chosen else others

    @rx.event
    @toasts_errors
    async def add_documents(self):
        """Start the job here (in the server's event loop) and watch it; it outlives this page."""
        await start_embedding(self.acting(), self.selected_id, list(self.chosen_documents))
        self.chosen_documents = []
        await self._show_selected()
        return CollectionsState.watch_jobs

    @rx.event
    @toasts_errors
    async def cancel_job(self, job_id: str):
        await get_jobs().cancel(self.acting(), job_id)

    @rx.event(background=True)
    async def watch_jobs(self):
        async with self:
            if self.watching:
                return
            self.watching = True
        try:
            running = True
            while running:
                await asyncio.sleep(JOB_POLL_S)
                async with self:
                    await self._reload_quietly()
                    running = self.job_running
        finally:
            async with self:
                self.watching = False
                await self._reload_quietly()

    async def _reload_quietly(self) -> None:
        try:
            self.rows = [collection_row(c) for c in collections.list_collections(self.acting())]
            await self._show_selected()
        except WorkshopError:
            self.jobs = []

    @rx.event
    def set_search_field(self, name: str, value: str):
        """The search form's query or its number of results (`top_k`), as typed."""
        if name in ("query", "top_k"):
            setattr(self, name, value)

    @rx.event
    @toasts_errors
    async def run_search(self):
        if not self.top_k.strip().isdigit():
            raise InvalidInput("Results must be a whole number.", hint="For example 5.")
        result = await search(self.acting(), self.selected_id, self.query, int(self.top_k))
        self.hits = [hit_view(hit, number) for number, hit in enumerate(result.hits, start=1)]
        self._query_vector = result.vector
        return CollectionsState.show_map

    @rx.event
    @toasts_errors
    async def show_map(self):
        picture = await collection_map(self.acting(), self.selected_id, self._query_vector or None)
        self.series = map_series(picture)
        self.query_point = [{"x": round(picture.query.x, 4), "y": round(picture.query.y, 4)}] if picture.query else []
        self.map_note = map_note(picture)
        return None
