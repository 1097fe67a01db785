"""Uploading documents: every bad file gets its own clear error while the good ones are stored."""

from __future__ import annotations

import pytest

from tests.conftest import reset_settings_caches
from tests.support.accounts import actor_of, make_user
from tests.support.pdfs import encrypted_pdf, text_pdf
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden
from workshop_app.services.rag.chunking import ChunkSettings, Unit
from workshop_app.services.rag.documents import (
    delete_document,
    get_document,
    list_documents,
    preview_chunks,
    upload_many,
    uploads_dir,
)
from workshop_app.services.workshops.policy import Actor

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
HTML = b"""<!doctype html><html><head><title>Llamas</title><style>body { color: red }</style>
<script>alert('tracking llamas')</script></head><body><h1>Llama care</h1><p>Llamas eat hay.</p></body></html>"""


@pytest.fixture
def actor(migrated_database: str) -> Actor:
    return actor_of(make_user(Role.ATTENDEE, "reader"))


def test_good_files_of_each_type_are_stored_with_their_text(actor: Actor) -> None:
    results = upload_many(
        actor,
        [
            ("notes.txt", b"Alpacas are smaller than llamas."),
            ("guide.md", b"# Guide\n\nShear alpacas in spring."),
            ("paper.pdf", text_pdf("Llamas guard sheep.", "They are calm animals.")),
            ("page.html", HTML),
        ],
    )
    assert [result.error for result in results] == ["", "", "", ""]
    texts = {r.filename: get_document(actor, r.document_id).text for r in results}  # type: ignore[arg-type]
    assert texts["notes.txt"] == "Alpacas are smaller than llamas."
    assert "Shear alpacas in spring." in texts["guide.md"]
    assert texts["paper.pdf"] == "Llamas guard sheep.\n\nThey are calm animals."
    assert "Llamas eat hay." in texts["page.html"] and "Llama care" in texts["page.html"]
    assert "alert" not in texts["page.html"] and "color" not in texts["page.html"]


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.md", b"  \n\n\t ", "the file is empty"),
        ("picture.txt", PNG, "binary"),
        ("latin1.txt", "caf\xe9 cr\xe8me".encode("latin-1"), "binary"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog garbage", "damaged"),
        ("locked.pdf", encrypted_pdf("Secret llama plans"), "password-protected"),
        ("fake.pdf", b"just some text pretending", "not a PDF"),
        ("report.txt", text_pdf("a PDF in disguise"), "content is a PDF"),
        ("scanned.pdf", text_pdf(""), "no text could be found"),
        ("program.exe", b"MZ\x90\x00", "not supported"),
        ("letter.docx", b"PK\x03\x04", "not supported"),
    ],
)
def test_each_bad_file_gets_a_clear_error_and_the_batch_goes_on(
    actor: Actor, filename: str, content: bytes, expected: str
) -> None:
    bad, good = upload_many(actor, [(filename, content), ("fine.txt", b"Llamas hum.")])
    assert not bad.ok and bad.error.startswith(f"{filename}: ") and expected in bad.error
    assert bad.hint
    assert good.ok and get_document(actor, good.document_id).text == "Llamas hum."  # type: ignore[arg-type]


def test_an_oversize_file_is_refused_with_the_limit(actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHOP_UPLOAD_MAX_MB", "1")
    reset_settings_caches()
    try:
        big, small = upload_many(actor, [("big.txt", b"llama " * 200_000), ("small.txt", b"small llama")])
    finally:
        monkeypatch.delenv("WORKSHOP_UPLOAD_MAX_MB")
        reset_settings_caches()
    assert big.error == "big.txt: the file is 1.1 MiB; the upload limit is 1 MiB."
    assert small.ok


def test_an_oversize_file_read_only_in_part_is_refused_with_its_real_size(actor: Actor) -> None:
    limit = 25 * 1024 * 1024
    [big] = upload_many(actor, [("slides.pdf", b"%PDF" + b"x" * limit)], sizes=[26 * 1024 * 1024])
    assert big.error == "slides.pdf: the file is 26.0 MiB; the upload limit is 25 MiB."


def test_a_too_long_file_name_is_refused_as_too_long(actor: Actor) -> None:
    name = "n" * 296 + ".txt"
    [result] = upload_many(actor, [(name, b"llama notes")])
    assert not result.ok
    assert "the file name is 300 characters long; the limit is 255" in result.error
    assert "not supported" not in result.error and "Rename" in result.hint


def test_direction_override_characters_are_taken_out_of_file_names(actor: Actor) -> None:
    [result] = upload_many(actor, [("invoice\u202egnp.txt", b"not an image")])
    assert result.filename == "invoicegnp.txt"
    assert get_document(actor, result.document_id).title == "invoicegnp.txt"  # type: ignore[arg-type]


def test_files_are_stored_under_generated_names_never_the_uploaded_path(actor: Actor) -> None:
    before = set(uploads_dir().iterdir())
    [result] = upload_many(actor, [("../../outside/evil.txt", b"path traversal attempt")])
    document = get_document(actor, result.document_id)  # type: ignore[arg-type]
    [stored] = set(uploads_dir().iterdir()) - before
    assert document.title == "evil.txt"
    assert stored.name == document.stored_name and "evil" not in stored.name
    assert stored.read_bytes() == b"path traversal attempt"


def test_documents_are_private_to_their_owner_until_deleted(actor: Actor) -> None:
    other = actor_of(make_user(Role.ATTENDEE, "other"))
    [result] = upload_many(actor, [("mine.txt", b"my own llama notes")])
    assert result.document_id in {d.id for d in list_documents(actor)}
    assert result.document_id not in {d.id for d in list_documents(other)}
    with pytest.raises(Forbidden):
        get_document(other, result.document_id)  # type: ignore[arg-type]
    stored = uploads_dir() / get_document(actor, result.document_id).stored_name  # type: ignore[arg-type]
    delete_document(actor, result.document_id)  # type: ignore[arg-type]
    assert not stored.exists()
    assert result.document_id not in {d.id for d in list_documents(actor)}


def test_chunk_preview_follows_size_overlap_and_markdown(actor: Actor) -> None:
    sections = "\n\n".join(f"## Section {n}\n\n" + f"Llama fact number {n}. " * 12 for n in range(6))
    [result] = upload_many(actor, [("facts.md", sections.encode())])
    chunks, total = preview_chunks(actor, result.document_id, ChunkSettings(size=300, overlap=0, markdown=True))  # type: ignore[arg-type]
    assert total == len(chunks) >= 6
    assert all(len(chunk.text) <= 300 for chunk in chunks)
    assert all(chunk.text.startswith("## Section") for chunk in chunks if "## Section" in chunk.text)
    assert [chunk.position for chunk in chunks] == list(range(total))
    text = get_document(actor, result.document_id).text  # type: ignore[arg-type]
    assert all(text[chunk.start : chunk.start + len(chunk.text)] == chunk.text for chunk in chunks)

    overlapping, _ = preview_chunks(actor, result.document_id, ChunkSettings(size=200, overlap=80, markdown=False))  # type: ignore[arg-type]
    assert any(a.start + len(a.text) > b.start for a, b in zip(overlapping, overlapping[1:], strict=False))

    by_tokens, _ = preview_chunks(actor, result.document_id, ChunkSettings(size=40, overlap=0, unit=Unit.TOKENS))  # type: ignore[arg-type]
    assert len(by_tokens) > len(chunks)
