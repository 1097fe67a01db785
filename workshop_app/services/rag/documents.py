"""Documents: upload several files at once, keep the originals under generated names, read them back.

Every read and write passes the ownership policy; a batch upload reports a result per file,
so one bad file never stops the others.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from workshop_app.db.collections import CollectionDocument, VectorCollection
from workshop_app.db.documents import Document
from workshop_app.db.engine import session_scope
from workshop_app.db.ownership import Visibility
from workshop_app.db.row_ids import saved_id
from workshop_app.services.core.choices import choice
from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.core.owned_rows import owned_row, readable_rows
from workshop_app.services.rag.chunking import PREVIEW_CHUNKS, Chunk, ChunkSettings, split
from workshop_app.services.rag.extraction import Extracted, UnreadableFile, extract
from workshop_app.services.rag.vector_store import get_vector_store
from workshop_app.services.workshops.policy import Action, Actor, require_actor
from workshop_app.settings import get_settings

TITLE_MAX = 255
_DIRECTION_CONTROLS = dict.fromkeys([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


@dataclass(frozen=True)
class UploadResult:
    filename: str
    document_id: int | None = None
    error: str = ""
    hint: str = ""

    @property
    def ok(self) -> bool:
        return self.document_id is not None


def uploads_dir() -> Path:
    settings = get_settings()
    settings.ensure_data_dir()
    settings.uploads_dir.mkdir(exist_ok=True)
    return settings.uploads_dir


def upload_many(
    actor: Actor | None,
    files: Sequence[tuple[str, bytes]],
    visibility: str = Visibility.PRIVATE,
    sizes: Sequence[int | None] = (),
) -> list[UploadResult]:
    """Store each (file name, content) that yields text; the others get their reason.

    `sizes` are the whole files' sizes when the caller read only the first bytes of big ones."""
    actor, shared = require_actor(actor), choice(Visibility, visibility, "visibility")
    results = []
    for index, (filename, data) in enumerate(files):
        shown = without_direction_controls(filename)
        try:
            size = sizes[index] if index < len(sizes) else None
            results.append(UploadResult(shown, _store(actor, filename, data, shared, size)))
        except WorkshopError as error:
            results.append(UploadResult(shown, error=error.message, hint=error.hint))
    return results


def _store(actor: Actor, filename: str, data: bytes, visibility: Visibility, size: int | None = None) -> int:
    title = document_title(filename)
    extracted = extract(title, data, get_settings().upload_max_bytes, size)
    stored_name = save_original(extracted.kind, data)
    try:
        with session_scope() as session:
            document = add_document(session, actor, title, data, extracted, visibility, actor.workshop_id, stored_name)
            return saved_id(document)
    except BaseException:
        remove_original(stored_name)
        raise


def without_direction_controls(text: str) -> str:
    """`text` without bidirectional override and isolate characters, which can make a name read
    differently from what it is (e.g. "invoice\u202efdp.exe" shown as "invoiceexe.pdf")."""
    return text.translate(_DIRECTION_CONTROLS)


def document_title(filename: str) -> str:
    """The label of an upload: its base name only, so a name never becomes a path; never shortened
    (that would cut off the extension), so a name past TITLE_MAX is refused as too long."""
    title = without_direction_controls(Path(filename.replace("\\", "/")).name).strip() or "untitled"
    if len(title) > TITLE_MAX:
        raise UnreadableFile(
            f"{title[:40]}…: the file name is {len(title)} characters long; the limit is {TITLE_MAX}.",
            hint="Rename the file to something shorter and upload it again.",
        )
    return title


def save_original(kind: str, data: bytes) -> str:
    """Write an original under a generated name in the uploads directory; returns that name."""
    stored_name, uploads = f"{uuid.uuid4().hex}.{kind}", uploads_dir()
    partial = uploads / f".{stored_name}.partial"  # hidden until whole, so a backup never copies half a file
    partial.write_bytes(data)
    partial.replace(uploads / stored_name)
    return stored_name


def remove_original(stored_name: str) -> None:
    (uploads_dir() / stored_name).unlink(missing_ok=True)


def add_document(
    session: Session,
    actor: Actor,
    title: str,
    data: bytes,
    extracted: Extracted,
    visibility: Visibility,
    workshop_id: int | None,
    stored_name: str,
) -> Document:
    """The row for an original already saved as `stored_name`, owned by `actor`, in the caller's transaction."""
    document = Document(
        creator_id=actor.id,
        workshop_id=workshop_id,
        visibility=visibility,
        title=title,
        kind=extracted.kind,
        stored_name=stored_name,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        char_count=len(extracted.text),
        text=extracted.text,
    )
    session.add(document)
    session.flush()
    return document


def list_documents(actor: Actor | None) -> list[Document]:
    """Documents this person may read, newest first."""
    with session_scope() as session:
        return readable_rows(session, actor, Document)


def load(session: Session, actor: Actor | None, document_id: int, action: Action = Action.READ) -> Document:
    return owned_row(session, actor, Document, document_id, action, "Document")


def get_document(actor: Actor | None, document_id: int) -> Document:
    with session_scope() as session:
        return load(session, actor, document_id)


def delete_document(actor: Actor | None, document_id: int) -> None:
    """Remove the row, the stored original, and the document's chunks from every collection."""
    with session_scope() as session:
        document = load(session, actor, document_id, Action.DELETE)
        stored_name = document.stored_name
        indexes = session.exec(
            select(VectorCollection.chroma_name)
            .join(CollectionDocument, col(CollectionDocument.collection_id) == VectorCollection.id)
            .where(CollectionDocument.document_id == document_id)
        ).all()
        for chroma_name in indexes:
            get_vector_store().delete_document(chroma_name, document_id)
        session.delete(document)
    remove_original(stored_name)


def preview_chunks(
    actor: Actor | None, document_id: int, settings: ChunkSettings, limit: int = PREVIEW_CHUNKS
) -> tuple[list[Chunk], int]:
    """The first `limit` chunks these settings would make, and how many there would be in all."""
    chunks = split(get_document(actor, document_id).text, settings)
    return chunks[:limit], len(chunks)
