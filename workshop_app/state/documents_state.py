"""State of the Documents page: upload several files, see per-file results, preview text and chunks."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.core.wording import counted
from workshop_app.services.rag import documents
from workshop_app.services.rag.chunking import ChunkSettings, Unit
from workshop_app.settings import get_settings
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.rag_views import ChunkView, DocumentRow, UploadRow, chunk_view, document_row, upload_row

UPLOAD_ID = "documents-upload"
TEXT_PREVIEW_CHARS = 20_000


def chunk_settings_from(size: str, overlap: str, unit: str, markdown: bool) -> ChunkSettings:
    """Chunk settings typed into a form; InvalidInput names the field that is not a number."""
    for label, value in (("Chunk size", size), ("Overlap", overlap)):
        if not value.strip().isdigit():
            raise InvalidInput(f"{label} must be a whole number.", hint="For example 800 and 100.")
    return ChunkSettings(int(size), int(overlap), unit, markdown).validated()


class DocumentsState(AuthState):
    rows: list[DocumentRow] = []
    upload_results: list[UploadRow] = []
    uploading: bool = False
    preview_open: bool = False
    preview_id: int = 0
    preview_title: str = ""
    preview_text: str = ""
    preview_truncated: bool = False
    chunks: list[ChunkView] = []
    chunk_total: int = 0
    chunk_size: str = "800"
    chunk_overlap: str = "100"
    chunk_unit: str = Unit.CHARS.value
    chunk_markdown: bool = True

    @rx.event
    def load(self):
        if self.signed_in() is None:
            return self.to_login()
        return self._reload()

    @toasts_errors
    def _reload(self):
        self.rows = [document_row(d) for d in documents.list_documents(self.acting())]

    @rx.event
    @toasts_errors
    async def upload(self, files: list[rx.UploadFile]):
        """Read each file (at most one byte over the limit, so an oversize one is refused, not stored)."""
        limit = get_settings().upload_max_bytes + 1
        received = [(file.name or "unnamed", await file.read(limit)) for file in files]
        results = documents.upload_many(self.acting(), received, sizes=[file.size for file in files])
        self.upload_results = [upload_row(result) for result in results]
        failed = sum(not result.ok for result in results)
        self._reload()
        return [
            rx.clear_selected_files(UPLOAD_ID),
            rx.toast.warning(f"{failed} of {counted(len(results), 'file')} could not be used.")
            if failed
            else rx.toast.success(f"{counted(len(results), 'file')} uploaded."),
        ]

    @rx.event
    @toasts_errors
    def open_preview(self, document_id: int):
        document = documents.get_document(self.acting(), document_id)
        self.preview_id, self.preview_title = document_id, document.title
        self.preview_text = document.text[:TEXT_PREVIEW_CHARS]
        self.preview_truncated = len(document.text) > TEXT_PREVIEW_CHARS
        self.preview_open = True
        return self._chunk()

    @rx.event
    def set_preview_open(self, value: bool):
        self.preview_open = value

    @rx.event
    def set_chunk_size(self, value: str):
        self.chunk_size = value

    @rx.event
    def set_chunk_overlap(self, value: str):
        self.chunk_overlap = value

    @rx.event
    def set_chunk_unit(self, value: str):
        self.chunk_unit = value
        return self._chunk()

    @rx.event
    def set_chunk_markdown(self, value: bool):
        self.chunk_markdown = value
        return self._chunk()

    @rx.event
    def rechunk(self):
        return self._chunk()

    @toasts_errors
    def _chunk(self):
        settings = chunk_settings_from(self.chunk_size, self.chunk_overlap, self.chunk_unit, self.chunk_markdown)
        chunks, self.chunk_total = documents.preview_chunks(self.acting(), self.preview_id, settings)
        self.chunks = [chunk_view(chunk) for chunk in chunks]

    @rx.event
    @toasts_errors
    def delete(self, document_id: int):
        documents.delete_document(self.acting(), document_id)
        return self._reload()
