"""Workshop bundles: export a workshop to one file, import it as another instructor's new workshop."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import func, select

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.collections import build_collection
from workshop_app.cli import main
from workshop_app.db.documents import Document
from workshop_app.db.engine import session_scope
from workshop_app.db.users import Role
from workshop_app.db.workshops import Workshop
from workshop_app.services.core.errors import Forbidden
from workshop_app.services.core.jobs import JobStatus
from workshop_app.services.prompts import library as prompts
from workshop_app.services.prompts.library import PromptDraft
from workshop_app.services.rag.collections import list_collections, member_documents
from workshop_app.services.rag.documents import list_documents, uploads_dir
from workshop_app.services.rag.evaluation.question_sets import (
    QuestionSetSpec,
    QuestionSpec,
    create_question_set,
    list_question_sets,
)
from workshop_app.services.rag.evaluation.runs import run_question_set
from workshop_app.services.rag.systems import RagSpec, create_rag_system, list_rag_systems
from workshop_app.services.rag.vector_store import VectorStore, VectorStoreUnavailable
from workshop_app.services.tools import store
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.bundle_format import DamagedBundle
from workshop_app.services.workshops.bundles import embed_imported, export_bundle, import_bundle
from workshop_app.services.workshops.lifecycle import WorkshopDraft
from workshop_app.services.workshops.policy import Actor

FILES = {
    "llamas.md": b"# Llamas\n\nA llama can carry about a quarter of its body weight over mountain trails.",
    "volcanoes.txt": b"Volcanoes erupt when magma rises through cracks in the crust.",
}
MODELS = ("llama3.2:1b", "nomic-embed-text:latest")


@dataclass
class Source:
    instructor: Actor
    workshop: Workshop
    bundle: Path


def owned_by(actor: Actor, rows: list) -> list:
    return [row for row in rows if row.creator_id == actor.id]


@pytest.fixture
async def source(fake_ollama: FakeOllama, migrated_database: str, tmp_path: Path) -> Source:
    """A workshop with a prompt in two versions, a tool, a two-document collection and a RAG system, exported."""
    teacher = make_user(Role.INSTRUCTOR, "teacher")
    workshop = workshops.create_workshop(actor_of(teacher), WorkshopDraft("Local LLMs", "Day one", MODELS, 10, 5000))
    actor = actor_of(teacher)
    prompt = prompts.create_prompt(actor, PromptDraft("Summary", "Summarize {{text}}", visibility="workshop")).prompt
    prompts.save_prompt(
        actor,
        prompt.id,
        PromptDraft("Summary", "Summarize {{text}} in {{n}} words", "Be brief.", ("writing",), "workshop"),
    )
    store.create_tool(
        actor,
        {
            "name": "weather",
            "description": "Weather in a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            "implementation": {"kind": "mock", "response": "It is sunny in {city}."},
        },
        "workshop",
    )
    collection, job = await build_collection(actor, FILES)
    assert job.status is JobStatus.DONE
    create_rag_system(actor, RagSpec("Helper", "llama3.2:1b", [collection.id], top_k=3))  # type: ignore[list-item]
    [llamas] = [m.document_id for m in member_documents(actor, collection.id) if m.title == "llamas.md"]  # type: ignore[arg-type]
    question = QuestionSpec("How much can a llama carry?", llamas, "a quarter of its body weight")
    create_question_set(actor, QuestionSetSpec("Quiz", collection.id, [question], 2, "workshop"))  # type: ignore[arg-type]
    exported = export_bundle(actor, workshop.id)  # type: ignore[arg-type]
    path = tmp_path / exported.filename
    path.write_bytes(exported.data)
    return Source(actor, workshop, path)


def state_counts() -> tuple[int, int, int]:
    """Workshops, documents and stored originals: what a refused import must leave alone."""
    with session_scope() as session:
        rows = (session.exec(select(func.count()).select_from(table)).one() for table in (Workshop, Document))
        return (*rows, len(list(uploads_dir().iterdir())))


async def test_a_bundle_becomes_a_new_workshop_owned_by_the_importer(source: Source) -> None:
    account = make_user(Role.INSTRUCTOR, "next-teacher")
    importer = actor_of(account)
    imported = import_bundle(importer, source.bundle)

    new = workshops.get_workshop(importer, imported.workshop_id)
    assert (new.title, new.description, new.allowed_models, new.requests_per_minute, new.tokens_per_day) == (
        "Local LLMs",
        "Day one",
        list(MODELS),
        10,
        5000,
    )
    assert new.creator_id == importer.id and new.join_code != source.workshop.join_code
    assert imported.counts == {
        "prompts": 1,
        "tools": 1,
        "documents": 2,
        "collections": 1,
        "rag_systems": 1,
        "question_sets": 1,
        "model_recipes": 0,
        "exercises": 0,
    }

    importer = actor_of(account)  # now teaching the new workshop
    prompt = owned_by(importer, prompts.list_prompts(importer))[0]
    assert (prompt.workshop_id, prompt.visibility, prompt.version, prompt.tags) == (new.id, "workshop", 2, ["writing"])
    assert [v.body for v in prompts.list_versions(importer, prompt.id)] == [
        "Summarize {{text}} in {{n}} words",
        "Summarize {{text}}",
    ]
    assert prompts.get_prompt(importer, prompt.id).version.system_prompt == "Be brief."

    tool = owned_by(importer, store.list_tools(importer))[0]
    assert (tool.name, tool.workshop_id, tool.visibility, tool.implementation["kind"]) == (
        "weather",
        new.id,
        "workshop",
        "mock",
    )

    originals = {d.title: d for d in owned_by(source.instructor, list_documents(source.instructor))}
    copies = {d.title: d for d in owned_by(importer, list_documents(importer))}
    assert set(copies) == set(FILES)
    for title, copy in copies.items():
        assert copy.workshop_id == new.id and copy.stored_name != originals[title].stored_name
        assert (
            copy.sha256
            == originals[title].sha256
            == hashlib.sha256((uploads_dir() / copy.stored_name).read_bytes()).hexdigest()
        )
        assert hashlib.sha256(copy.text.encode()).digest() == hashlib.sha256(originals[title].text.encode()).digest()

    collection = owned_by(importer, list_collections(importer))[0]
    assert (
        collection.name,
        collection.embedding_model,
        collection.distance,
        collection.chunk_size,
        collection.chunk_overlap,
    ) == ("Test corpus", "nomic-embed-text:latest", "cosine", 200, 20)
    assert member_documents(importer, collection.id) == []  # vectors are made here, not carried
    rag = owned_by(importer, list_rag_systems(importer))[0]
    assert (rag.name, rag.collection_ids, rag.top_k, rag.workshop_id) == ("Helper", [collection.id], 3, new.id)

    quiz = owned_by(importer, list_question_sets(importer))[0]
    assert (quiz.name, quiz.collection_id, quiz.top_k, quiz.visibility, quiz.workshop_id) == (
        "Quiz",
        collection.id,
        2,
        "workshop",
        new.id,
    )
    [question] = quiz.questions
    assert (question["document_id"], question["expected_text"]) == (
        copies["llamas.md"].id,
        "a quarter of its body weight",
    )

    jobs = await embed_imported(importer, imported, wait=True)
    assert [job.status for job in jobs] == [JobStatus.DONE]
    assert sorted(m.title for m in member_documents(importer, collection.id)) == sorted(FILES)
    assert (await run_question_set(importer, quiz.id)).recall == 1.0  # type: ignore[arg-type]


async def test_importing_twice_renames_a_tool_the_importer_already_has(source: Source) -> None:
    first = import_bundle(source.instructor, source.bundle)
    assert first.renamed_tools == {"weather": "weather_2"}
    assert import_bundle(source.instructor, source.bundle).join_code != first.join_code


def repacked(bundle: Path, target: Path, change) -> Path:
    """The bundle with its manifest changed by `change` (checksums of the other files intact)."""
    with tarfile.open(bundle, "r:gz") as archive:
        members = [(m, archive.extractfile(m).read()) for m in archive.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(target, "w:gz") as archive:
        for member, data in members:
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return target


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncated", "is damaged or not a workshop bundle"),
        ("newer", "uses bundle format 2, newer than this app reads (1)"),
        ("foreign", "is not a workshop bundle"),
        ("tampered", "checksum mismatch for workshop.json"),
    ],
)
async def test_a_damaged_foreign_or_newer_bundle_is_refused_and_nothing_is_imported(
    source: Source, tmp_path: Path, damage: str, message: str
) -> None:
    bad = tmp_path / f"{damage}.workshop.tar.gz"
    if damage == "truncated":
        bad.write_bytes(source.bundle.read_bytes()[:-200])
    elif damage == "newer":
        repacked(source.bundle, bad, lambda m: m.update(format=2))
    elif damage == "foreign":
        repacked(source.bundle, bad, lambda m: m.pop("kind"))
    else:
        repacked(source.bundle, bad, lambda m: m["files"]["workshop.json"].update(sha256="0" * 64))
    before = state_counts()
    with pytest.raises(DamagedBundle) as refused:
        import_bundle(source.instructor, bad)
    assert message in refused.value.message and "\n" not in refused.value.message
    assert state_counts() == before


@pytest.mark.parametrize("missing", [1, 4, 8, 20, 36])
async def test_a_bundle_missing_its_last_bytes_is_refused(source: Source, tmp_path: Path, missing: int) -> None:
    """The gzip trailer (CRC and length) and the tar padding are part of the bundle: a short copy is damaged."""
    bad = tmp_path / "short.workshop.tar.gz"
    bad.write_bytes(source.bundle.read_bytes()[:-missing])
    before = state_counts()
    with pytest.raises(DamagedBundle, match="is damaged or not a workshop bundle"):
        import_bundle(source.instructor, bad)
    assert state_counts() == before


async def test_a_failure_while_writing_leaves_no_workshop_rows_or_files(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*_args: object) -> None:
        raise VectorStoreUnavailable("Chroma cannot be reached")

    monkeypatch.setattr(VectorStore, "create", unavailable)
    before = state_counts()
    with pytest.raises(VectorStoreUnavailable):
        import_bundle(source.instructor, source.bundle)
    assert state_counts() == before


async def test_only_the_workshops_instructor_or_an_admin_exports_and_only_instructors_import(source: Source) -> None:
    other = actor_of(make_user(Role.INSTRUCTOR, "other"))
    with pytest.raises(Forbidden, match="instructor or an admin"):
        export_bundle(other, source.workshop.id)  # type: ignore[arg-type]
    attendee = actor_of(make_user(Role.ATTENDEE, "pupil", workshop_id=source.workshop.id))
    with pytest.raises(Forbidden):
        export_bundle(attendee, source.workshop.id)  # type: ignore[arg-type]
    before = state_counts()
    with pytest.raises(Forbidden, match="instructor"):
        import_bundle(attendee, source.bundle)
    assert state_counts() == before
    admin = actor_of(make_user(Role.ADMIN, "admin"))
    assert export_bundle(admin, source.workshop.id).counts["documents"] == 2  # type: ignore[arg-type]


async def test_the_cli_exports_and_imports_a_workshop(source: Source, tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "cli.workshop.tar.gz"
    exported = runner.invoke(
        main, ["export-workshop", str(source.workshop.id), "--user", source.instructor.username, "-o", str(target)]
    )
    assert exported.exit_code == 0, exported.output
    assert "1 prompts, 1 tools, 2 documents, 1 collections, 1 rag systems" in exported.output

    importer = make_user(Role.INSTRUCTOR, "cli-teacher")
    # The command runs its own event loop for the embedding jobs, as it does in a terminal.
    imported = await asyncio.to_thread(
        runner.invoke, main, ["import-workshop", str(target), "--user", importer.username]
    )
    assert imported.exit_code == 0, imported.output
    assert "Imported “Local LLMs” as workshop" in imported.output
    assert "embedding done" in imported.output
    assert [w.creator_id for w in workshops.list_workshops(actor_of(importer))] == [importer.id]

    refused = runner.invoke(
        main, ["import-workshop", str(source.bundle), "--user", make_user(Role.ATTENDEE, "cli-pupil").username]
    )
    assert refused.exit_code == 1
    assert refused.output.strip().startswith("Error: Only instructors may do this.")
