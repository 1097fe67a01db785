"""Workshop bundles: one file with a workshop's material, so the next event starts from it.

What travels: the settings (title, description, allowed models, limits, whether attendees
build models; never the join code), the recipes of models the instructor built (made again
on the importing machine's hosts by `recreate_imported`), and the material of the
workshop's instructor that belongs to this workshop or to none (instructors' documents,
collections and RAG systems are not tied to a workshop when made): prompts with every
version (the history is how the prompt got good, and restoring an earlier one should
still work next time), tools, documents as their original files, collection settings
with which documents they hold, RAG systems, and the
question sets about those collections (retrieval evaluation), and the workshop's exercises
(with their checks and model answers; never attendees' submissions).
Attendees' own work never travels.

Importing makes a new workshop with a new join code, owned by the importing instructor
with everything in it, visibility kept. It is all or nothing: the whole bundle is
checked first, then one transaction writes it; files and vector indexes made on the way
are removed again if anything fails. Vectors are made afresh by the embedding jobs
(`embed_imported`), so the bundle never carries Chroma internals.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, or_, select

from workshop_app.db.collections import CollectionDocument, VectorCollection
from workshop_app.db.documents import Document
from workshop_app.db.engine import session_scope
from workshop_app.db.model_recipes import ModelRecipe
from workshop_app.db.ownership import Visibility
from workshop_app.db.prompts import Prompt, PromptVersion
from workshop_app.db.question_sets import QuestionSet
from workshop_app.db.rag_systems import RagSystem
from workshop_app.db.row_ids import saved_id
from workshop_app.db.tool_definitions import ToolRecord
from workshop_app.db.users import Role
from workshop_app.db.workshops import Workshop
from workshop_app.services.accounts import actor_cache
from workshop_app.services.core.choices import choice
from workshop_app.services.core.errors import Forbidden, NotFound
from workshop_app.services.core.jobs import Job, get_jobs
from workshop_app.services.exercises.checks import Known
from workshop_app.services.exercises.transfer import PlannedExercise, exercise_entries, exercise_rows, planned_exercises
from workshop_app.services.models.builder import checked_recipe, recreate_models
from workshop_app.services.models.recipes import Recipe, find_recipe, save_recipe
from workshop_app.services.prompts.library import PromptDraft, add_version, new_prompt
from workshop_app.services.rag.chunking import ChunkSettings
from workshop_app.services.rag.collections import CollectionSpec, collection_row
from workshop_app.services.rag.documents import (
    add_document,
    document_title,
    remove_original,
    save_original,
    uploads_dir,
)
from workshop_app.services.rag.embedding_jobs import start_embedding
from workshop_app.services.rag.evaluation.question_sets import QuestionSetSpec, QuestionSpec, checked_row
from workshop_app.services.rag.extraction import Extracted, extract
from workshop_app.services.rag.systems import RagSpec, rag_system_row, validate_spec
from workshop_app.services.rag.vector_store import Distance, get_vector_store
from workshop_app.services.tools.definitions import ToolDefinition
from workshop_app.services.tools.store import definition_of, new_record
from workshop_app.services.tools.transfer import export_tools, import_tools
from workshop_app.services.workshops.bundle_format import (
    SUFFIX,
    DamagedBundle,
    bundle_file,
    document_path,
    read_bundle,
    write_bundle,
)
from workshop_app.services.workshops.lifecycle import WorkshopDraft, add_workshop
from workshop_app.services.workshops.policy import Action, Actor, allowed, require_actor, require_role
from workshop_app.settings import get_settings

_UNSAFE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class ExportedBundle:
    filename: str
    data: bytes
    counts: dict[str, int]


@dataclass(frozen=True)
class ImportedBundle:
    workshop_id: int
    title: str
    join_code: str
    counts: dict[str, int]
    to_embed: dict[int, list[int]]  # collection id -> its document ids, for the embedding jobs
    renamed_tools: dict[str, str] = field(default_factory=dict)  # bundle name -> saved name
    model_recipes: tuple[str, ...] = ()  # built models whose recipes came with the bundle, to be made again


# -- export ---------------------------------------------------------------------------------


def export_bundle(actor: Actor | None, workshop_id: int) -> ExportedBundle:
    """The workshop's bundle; only its instructor or an admin may take one."""
    actor = require_actor(actor)
    with session_scope() as session:
        workshop = session.get(Workshop, workshop_id)
        if workshop is None:
            raise NotFound(f"Workshop {workshop_id} does not exist.", hint="Pick one from the list of workshops.")
        if not allowed(actor, Action.WRITE, workshop):
            raise Forbidden("Only this workshop's instructor or an admin may export it.")
        contents, tools_json, documents = _gather(session, actor, workshop)
    kinds = (
        "prompts",
        "tools",
        "documents",
        "collections",
        "rag_systems",
        "question_sets",
        "model_recipes",
        "exercises",
    )
    counts = {key: len(contents[key]) for key in kinds}
    name = (_UNSAFE.sub("-", workshop.title.lower()).strip("-") or "workshop")[:60]
    return ExportedBundle(name + SUFFIX, write_bundle(contents, tools_json, documents, counts), counts)


def _gather(session: Session, actor: Actor, workshop: Workshop) -> tuple[dict[str, Any], str, dict[str, bytes]]:
    rag_systems = _material(session, RagSystem, workshop)
    collections = _material(session, VectorCollection, workshop)
    referenced = {cid for system in rag_systems for cid in system.collection_ids} - {c.id for c in collections}
    collections += [
        c
        for c in (session.get(VectorCollection, cid) for cid in sorted(referenced))
        if c is not None and allowed(actor, Action.READ, c)
    ]
    members = session.exec(
        select(CollectionDocument).where(col(CollectionDocument.collection_id).in_([c.id for c in collections]))
    ).all()
    documents = _material(session, Document, workshop)
    documents += [
        d for d in (session.get(Document, m.document_id) for m in members) if d is not None and d not in documents
    ]
    files = {d.id: document_path(index, d.kind) for index, d in enumerate(documents, start=1)}
    tools = _material(session, ToolRecord, workshop)
    prompts = _material(session, Prompt, workshop)
    contents = {
        "workshop": {
            "title": workshop.title,
            "description": workshop.description,
            "allowed_models": workshop.allowed_models,
            "requests_per_minute": workshop.requests_per_minute,
            "tokens_per_day": workshop.tokens_per_day,
            "attendees_build_models": workshop.attendees_build_models,
        },
        "model_recipes": [_recipe_entry(recipe) for recipe in _material(session, ModelRecipe, workshop)],
        "prompts": [_prompt_entry(session, prompt) for prompt in prompts],
        "tools": {tool.name: tool.visibility for tool in tools},
        "documents": [
            {"file": files[d.id], "title": d.title, "sha256": d.sha256, "visibility": d.visibility} for d in documents
        ],
        "collections": [
            {
                "name": c.name,
                "embedding_model": c.embedding_model,
                "distance": c.distance,
                "chunk_size": c.chunk_size,
                "chunk_overlap": c.chunk_overlap,
                "chunk_unit": c.chunk_unit,
                "markdown_aware": c.markdown_aware,
                "visibility": c.visibility,
                "documents": [files[m.document_id] for m in members if m.collection_id == c.id],
            }
            for c in collections
        ],
        "rag_systems": [
            {
                "name": r.name,
                "chat_model": r.chat_model,
                "prompt_template": r.prompt_template,
                "top_k": r.top_k,
                "score_threshold": r.score_threshold,
                "num_ctx": r.num_ctx,
                "visibility": r.visibility,
                "collections": [index for index, c in enumerate(collections) if c.id in r.collection_ids],
            }
            for r in rag_systems
        ],
        "question_sets": _question_set_entries(session, workshop, collections, files),
        "exercises": exercise_entries(
            session,
            saved_id(workshop),
            [p.id for p in prompts],
            {t.id: t.name for t in tools},
            [r.id for r in rag_systems],
        ),
    }
    return contents, export_tools(definition_of(tool) for tool in tools), {files[d.id]: _original(d) for d in documents}


def _question_set_entries(
    session: Session, workshop: Workshop, collections: list[VectorCollection], files: dict[int | None, str]
) -> list[dict[str, Any]]:
    """The instructor's question sets about the exported collections; each question names its document's file."""
    positions = {c.id: index for index, c in enumerate(collections)}
    entries = []
    for row in _material(session, QuestionSet, workshop):
        questions = [
            {"question": q["question"], "document": files[q["document_id"]], "expected_text": q["expected_text"]}
            for q in row.questions
            if q["document_id"] in files
        ]
        if row.collection_id in positions and questions:
            entries.append(
                {
                    "name": row.name,
                    "top_k": row.top_k,
                    "visibility": row.visibility,
                    "collection": positions[row.collection_id],
                    "questions": questions,
                }
            )
    return entries


def _material(session: Session, table: Any, workshop: Workshop) -> list[Any]:
    """The instructor's rows of `table` that belong to this workshop or to none, oldest first."""
    query = select(table).where(
        table.creator_id == workshop.creator_id, or_(table.workshop_id == workshop.id, col(table.workshop_id).is_(None))
    )
    return list(session.exec(query.order_by(table.id)).all())


def _recipe_entry(row: ModelRecipe) -> dict[str, Any]:
    fields = ("name", "base", "system", "template", "parameters", "messages")
    return {key: getattr(row, key) for key in fields}


def _prompt_entry(session: Session, prompt: Prompt) -> dict[str, Any]:
    versions = session.exec(
        select(PromptVersion).where(PromptVersion.prompt_id == prompt.id).order_by(col(PromptVersion.number))
    ).all()
    return {
        "name": prompt.name,
        "tags": prompt.tags,
        "visibility": prompt.visibility,
        "versions": [{"system_prompt": v.system_prompt, "body": v.body, "note": v.note} for v in versions],
    }


def _original(document: Document) -> bytes:
    path = uploads_dir() / document.stored_name
    if not path.is_file():
        raise NotFound(
            f"The original file of {document.title} is missing from the uploads directory.",
            hint="Restore it from a backup or delete the document, then export again.",
        )
    return path.read_bytes()


# -- import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """A bundle read and checked in full, before anything is written."""

    workshop: WorkshopDraft
    prompts: list[tuple[list[PromptDraft], list[str]]]
    tools: list[tuple[ToolDefinition, str]]
    documents: dict[str, tuple[str, bytes, Extracted, Visibility]]
    collections: list[tuple[CollectionSpec, list[str]]]
    rag_systems: list[tuple[RagSpec, list[int]]]
    question_sets: list[tuple[QuestionSetSpec, int, list[str]]]  # spec, collection position, document files
    model_recipes: list[Recipe] = field(default_factory=list)
    exercises: list[PlannedExercise] = field(default_factory=list)


def import_bundle(actor: Actor | None, path: Path) -> ImportedBundle:
    """A new workshop (new join code) from the bundle at `path`, owned by `actor` with all it holds."""
    actor = require_role(actor, Role.INSTRUCTOR)
    with tempfile.TemporaryDirectory(prefix="bundle-import-") as work:
        contents, tools_json = read_bundle(path, Path(work))
        try:
            plan = _plan(contents, tools_json, Path(work))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DamagedBundle(f"{path.name} has damaged contents ({type(error).__name__}: {error})") from None
    return _apply(actor, plan)


def import_uploaded(actor: Actor | None, filename: str, data: bytes) -> ImportedBundle:
    """`import_bundle` for a file that arrived as bytes (an upload in the browser)."""
    with tempfile.TemporaryDirectory(prefix="bundle-upload-") as work:
        path = Path(work) / (Path(filename).name or "upload" + SUFFIX)
        path.write_bytes(data)
        return import_bundle(actor, path)


def _plan(contents: dict[str, Any], tools_json: str, work: Path) -> _Plan:
    w = contents["workshop"]
    draft = WorkshopDraft(
        str(w["title"]),
        str(w["description"]),
        tuple(map(str, w["allowed_models"])),
        w["requests_per_minute"],
        w["tokens_per_day"],
        bool(w.get("attendees_build_models", False)),
    )
    prompts = [
        (
            [
                PromptDraft(p["name"], v["body"], v["system_prompt"], tuple(p["tags"]), p["visibility"]).checked()
                for v in p["versions"]
            ],
            [str(v["note"]) for v in p["versions"]],
        )
        for p in contents["prompts"]
    ]
    visibilities = contents["tools"]
    tools = [(tool, visibilities[tool.name]) for tool in import_tools(tools_json)] if visibilities else []
    documents = {entry["file"]: _checked_document(entry, work) for entry in contents["documents"]}
    collections = []
    for c in contents["collections"]:
        chunks = ChunkSettings(
            int(c["chunk_size"]), int(c["chunk_overlap"]), c["chunk_unit"], bool(c["markdown_aware"])
        ).validated()
        spec = CollectionSpec(
            c["name"],
            c["embedding_model"],
            choice(Distance, c["distance"], "distance"),
            chunks,
            choice(Visibility, c["visibility"], "visibility"),
        )
        collections.append((spec, _listed(c["documents"], documents, "document")))
    rag_systems = []
    for r in contents["rag_systems"]:
        indexes = _listed([int(i) for i in r["collections"]], range(len(collections)), "collection")
        system = RagSpec(
            r["name"],
            r["chat_model"],
            indexes,
            r["prompt_template"],
            int(r["top_k"]),
            float(r["score_threshold"]),
            int(r["num_ctx"]),
            choice(Visibility, r["visibility"], "visibility"),
        )
        validate_spec(system)
        rag_systems.append((system, indexes))
    question_sets = [_planned_question_set(q, collections) for q in contents.get("question_sets", [])]
    recipes = [
        checked_recipe(Recipe(r["name"], r["base"], r["system"], r["template"], r["parameters"], tuple(r["messages"])))
        for r in contents.get("model_recipes", [])  # bundles from before the model builder have none
    ]
    known = Known({tool.name for tool, _ in tools}, {title for title, *_ in documents.values()})
    exercises = planned_exercises(contents.get("exercises", []), known, len(prompts), len(rag_systems))
    return _Plan(
        draft.checked(), prompts, tools, documents, collections, rag_systems, question_sets, recipes, exercises
    )


def _planned_question_set(
    entry: dict[str, Any], collections: list[tuple[CollectionSpec, list[str]]]
) -> tuple[QuestionSetSpec, int, list[str]]:
    """A set whose questions name document files of its collection (ids are filled in when written)."""
    [position] = _listed([int(entry["collection"])], range(len(collections)), "collection")
    questions = entry["questions"]
    files = _listed([str(q["document"]) for q in questions], collections[position][1], "document")
    specs = [QuestionSpec(str(q["question"]), 0, str(q["expected_text"])) for q in questions]
    visibility = choice(Visibility, entry["visibility"], "visibility")
    return QuestionSetSpec(str(entry["name"]), 0, specs, int(entry["top_k"]), visibility), position, files


def _listed(keys: list[Any], known: Any, what: str) -> list[Any]:
    """`keys`, each of which must name something the bundle holds."""
    missing = [key for key in keys if key not in known]
    if missing:
        raise DamagedBundle(f"the bundle refers to a {what} it does not hold ({missing[0]})")
    return keys


def _checked_document(entry: dict[str, Any], work: Path) -> tuple[str, bytes, Extracted, Visibility]:
    data = bundle_file(work, entry["file"]).read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise DamagedBundle(f"the document {entry['title']} does not match its recorded checksum")
    title = document_title(str(entry["title"]))
    return (
        title,
        data,
        extract(title, data, get_settings().upload_max_bytes),
        choice(Visibility, entry["visibility"], "visibility"),
    )


def _apply(actor: Actor, plan: _Plan) -> ImportedBundle:
    files: list[str] = []
    indexes: list[str] = []
    try:
        with session_scope() as session:
            workshop = add_workshop(session, actor, plan.workshop)
            workshop_id = saved_id(workshop)
            owner = replace(actor, teaching=actor.teaching | {workshop_id})  # they run it from now on
            prompt_rows = []
            for drafts, notes in plan.prompts:
                prompt = new_prompt(session, owner, drafts[0], workshop_id)
                prompt_rows.append(prompt)
                for draft, note in zip(drafts[1:], notes[1:], strict=True):
                    add_version(session, owner, prompt, draft.system_prompt, draft.body, note)
            renamed = _add_tools(session, owner, workshop_id, plan.tools)
            document_ids: dict[str, int] = {}
            for key, (title, data, extracted, visibility) in plan.documents.items():
                files.append(save_original(extracted.kind, data))
                document_ids[key] = saved_id(
                    add_document(session, owner, title, data, extracted, visibility, workshop_id, files[-1])
                )
            collections = []
            for spec, _members in plan.collections:
                row = collection_row(owner, spec, workshop_id)
                session.add(row)
                collections.append(row)
            session.flush()
            rag_rows = []
            for system, positions in plan.rag_systems:
                linked = replace(system, collection_ids=[saved_id(collections[i]) for i in positions])
                rag_rows.append(rag_system_row(owner, linked, workshop_id))
                session.add(rag_rows[-1])
            for planned in plan.question_sets:
                session.add(_question_set_row(owner, workshop_id, plan, document_ids, collections, planned))
            session.flush()
            tool_ids = {
                t.name: saved_id(t)
                for t in session.exec(select(ToolRecord).where(ToolRecord.workshop_id == workshop_id))
            }
            session.add_all(
                exercise_rows(
                    plan.exercises,
                    workshop_id,
                    owner.id,
                    [saved_id(p) for p in prompt_rows],
                    tool_ids,
                    [saved_id(r) for r in rag_rows],
                    renamed,
                )
            )
            for row in collections:
                get_vector_store().create(row.chroma_name, row.embedding_model, row.distance)
                indexes.append(row.chroma_name)
            imported = ImportedBundle(
                workshop_id,
                workshop.title,
                workshop.join_code,
                {
                    "prompts": len(plan.prompts),
                    "tools": len(plan.tools),
                    "documents": len(plan.documents),
                    "collections": len(collections),
                    "rag_systems": len(plan.rag_systems),
                    "question_sets": len(plan.question_sets),
                    "model_recipes": len(plan.model_recipes),
                    "exercises": len(plan.exercises),
                },
                {
                    saved_id(row): [document_ids[key] for key in members]
                    for row, (_spec, members) in zip(collections, plan.collections, strict=True)
                },
                renamed,
                tuple(recipe.name for recipe in plan.model_recipes),
            )
    except BaseException:
        for stored_name in files:
            remove_original(stored_name)
        for name in indexes:
            get_vector_store().drop(name)
        raise
    actor_cache.forget_user(actor.id)  # they teach one more workshop
    _keep_recipes(actor, plan.model_recipes)
    return imported


def _question_set_row(
    owner: Actor,
    workshop_id: int,
    plan: _Plan,
    document_ids: dict[str, int],
    collections: list[VectorCollection],
    planned: tuple[QuestionSetSpec, int, list[str]],
) -> QuestionSet:
    """The set about its imported collection, checked like a new one against that collection's documents."""
    spec, position, files_named = planned
    members = plan.collections[position][1]
    titles = {document_ids[key]: plan.documents[key][0] for key in members}
    texts = {document_ids[key]: plan.documents[key][2].text for key in members}
    questions = [replace(q, document_id=document_ids[key]) for q, key in zip(spec.questions, files_named, strict=True)]
    spec = replace(spec, collection_id=saved_id(collections[position]), questions=questions)
    return checked_row(owner, workshop_id, spec, titles, texts.__getitem__)


def _keep_recipes(actor: Actor, recipes: list[Recipe]) -> None:
    """Save the bundle's recipes; a model of the same name already built here keeps its own."""
    for recipe in recipes:
        if find_recipe(recipe.name) is None:
            save_recipe(actor, recipe)


async def recreate_imported(actor: Actor | None, imported: ImportedBundle) -> dict[str, str]:
    """Make the bundle's built models on this machine's hosts that have their bases; what happened, per model."""
    if not imported.model_recipes:
        return {}
    return await recreate_models(actor, imported.model_recipes)


def _add_tools(
    session: Session, owner: Actor, workshop_id: int, tools: Sequence[tuple[ToolDefinition, str]]
) -> dict[str, str]:
    """Save the tools; one the importer already has a tool named like gets the first free `name_N`."""
    taken = set(session.exec(select(ToolRecord.name).where(ToolRecord.creator_id == owner.id)).all())
    renamed = {}
    for definition, visibility in tools:
        name, number = definition.name, 2
        while name in taken:
            name, number = f"{definition.name[:60]}_{number}", number + 1
        if name != definition.name:
            renamed[definition.name] = name
        taken.add(name)
        session.add(new_record(owner, replace(definition, name=name), visibility, workshop_id))
    return renamed


async def embed_imported(actor: Actor | None, imported: ImportedBundle, *, wait: bool = False) -> list[Job]:
    """Start (and with `wait`, finish) the embedding job of every imported collection that holds documents."""
    jobs = [await start_embedding(actor, collection_id, ids) for collection_id, ids in imported.to_embed.items() if ids]
    return [await get_jobs().wait(job.id) for job in jobs] if wait else jobs
