"""Retrieval evaluation on the fake's (lexical) embeddings: question sets refused whole at save
time, a run with recall@k, MRR and what each question retrieved, and settings compared side by side
in temporary indexes that are gone afterwards."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.collections import CORPUS, EMBEDDER, QUESTIONS, build_collection, upload
from workshop_app.db.collections import VectorCollection
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden, InvalidInput, NotFound, RateLimited
from workshop_app.services.ollama.errors import BackendUnavailable
from workshop_app.services.rag.collections import member_documents
from workshop_app.services.rag.embeddings import Embedder
from workshop_app.services.rag.evaluation import runs
from workshop_app.services.rag.evaluation.question_sets import (
    QuestionSetSpec,
    QuestionSpec,
    as_lines,
    create_question_set,
    delete_question_set,
    list_question_sets,
    parse_lines,
)
from workshop_app.services.rag.evaluation.runs import (
    Setting,
    compare_settings,
    run_question_set,
    temporary_indexes_left,
)
from workshop_app.services.workshops.moderation import delete_for_moderation
from workshop_app.services.workshops.policy import Actor


@pytest.fixture
def actor(fake_ollama: FakeOllama, migrated_database: str) -> Actor:
    return actor_of(make_user(Role.ATTENDEE, "evaluator"))


async def corpus(actor: Actor) -> tuple[VectorCollection, dict[str, int]]:
    collection, _job = await build_collection(actor, CORPUS)
    ids = {member.title: member.document_id for member in member_documents(actor, collection.id)}  # type: ignore[arg-type]
    return collection, ids


def questions(ids: dict[str, int]) -> list[QuestionSpec]:
    return [QuestionSpec(question, ids[title]) for question, title in QUESTIONS.items()]


async def test_a_set_naming_a_document_outside_the_collection_is_refused_and_nothing_is_stored(actor: Actor) -> None:
    collection, ids = await corpus(actor)
    [outsider] = upload(actor, {"outside.txt": b"Not embedded in the collection."})
    spec = QuestionSetSpec("Quiz", collection.id, [*questions(ids), QuestionSpec("Who is outside?", outsider)])  # type: ignore[arg-type]

    with pytest.raises(InvalidInput) as refused:
        create_question_set(actor, spec)

    assert refused.value.message == f"Question 5 expects document {outsider}, which is not in this collection."
    assert "llamas.md" in refused.value.hint
    assert list_question_sets(actor, collection.id) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "  "}, "Give the question set a name."),
        ({"top_k": 0}, "k = 0 is out of range."),
        ({"top_k": 51}, "k = 51 is out of range."),
        ({"questions": []}, "A question set holds 1 to 50 questions; this one has 0."),
    ],
)
async def test_bad_sets_are_refused_with_what_is_wrong(actor: Actor, change: dict, message: str) -> None:
    collection, ids = await corpus(actor)
    spec = {"name": "Quiz", "collection_id": collection.id, "questions": questions(ids), **change}
    with pytest.raises(InvalidInput, match=message):
        create_question_set(actor, QuestionSetSpec(**spec))  # type: ignore[arg-type]
    assert list_question_sets(actor, collection.id) == []  # type: ignore[arg-type]


async def test_an_empty_question_or_a_passage_not_in_its_document_is_refused(actor: Actor) -> None:
    collection, ids = await corpus(actor)
    empty = [QuestionSpec("Fine?", ids["chess.txt"]), QuestionSpec("   ", ids["chess.txt"])]
    with pytest.raises(InvalidInput, match="Question 2 is empty."):
        create_question_set(actor, QuestionSetSpec("Quiz", collection.id, empty))  # type: ignore[arg-type]
    wrong_passage = [QuestionSpec("How do rooks move?", ids["chess.txt"], "knead the dough")]
    with pytest.raises(InvalidInput, match="Question 1: the passage “knead the dough” is not in chess.txt."):
        create_question_set(actor, QuestionSetSpec("Quiz", collection.id, wrong_passage))  # type: ignore[arg-type]
    assert list_question_sets(actor, collection.id) == []  # type: ignore[arg-type]


async def test_lines_name_documents_by_title_and_an_unknown_title_says_which_exist(actor: Actor) -> None:
    collection, ids = await corpus(actor)
    members = member_documents(actor, collection.id)  # type: ignore[arg-type]
    text = "How do rooks move? | chess.txt | rooks move in straight lines\n\nWhy do volcanoes erupt? | VOLCANOES.TXT"
    specs = parse_lines(text, members)
    assert specs == [
        QuestionSpec("How do rooks move?", ids["chess.txt"], "rooks move in straight lines"),
        QuestionSpec("Why do volcanoes erupt?", ids["volcanoes.txt"]),
    ]
    saved = create_question_set(actor, QuestionSetSpec("Quiz", collection.id, specs))  # type: ignore[arg-type]
    assert as_lines(saved).splitlines()[0] == "How do rooks move? | chess.txt | rooks move in straight lines"
    with pytest.raises(InvalidInput, match="Line 2 names “cats.txt”, which is not a document of this collection."):
        parse_lines("ok | chess.txt\nWhat about cats? | cats.txt", members)
    with pytest.raises(InvalidInput, match="Line 1 names no document."):
        parse_lines("a question without a document", members)


async def test_a_run_scores_recall_and_mrr_and_shows_what_each_question_retrieved(
    actor: Actor, fake_ollama: FakeOllama
) -> None:
    collection, ids = await corpus(actor)
    saved = create_question_set(actor, QuestionSetSpec("Quiz", collection.id, questions(ids), top_k=3))  # type: ignore[arg-type]
    before = fake_ollama.stats.embed_calls

    evaluation = await run_question_set(actor, saved.id)  # type: ignore[arg-type]

    assert fake_ollama.stats.embed_calls - before == 1, "all questions are embedded in one request"
    assert (evaluation.recall, evaluation.mrr, evaluation.found) == (1.0, 1.0, 4)
    assert evaluation.setting == Setting(EMBEDDER, 200, 20, 3, "chars")
    first = evaluation.outcomes[0]
    assert (first.question, first.expected_title, first.rank) == (next(iter(QUESTIONS)), "llamas.md", 1)
    assert [chunk.rank for chunk in first.retrieved] == [1, 2, 3]
    assert first.retrieved[0].title == "llamas.md" and first.retrieved[0].expected
    assert first.retrieved[0].score >= first.retrieved[1].score


async def test_a_question_its_collection_cannot_answer_counts_as_a_miss(actor: Actor) -> None:
    collection, ids = await corpus(actor)
    specs = [*questions(ids), QuestionSpec("How many squares has the board?", ids["llamas.md"])]
    saved = create_question_set(actor, QuestionSetSpec("Quiz", collection.id, specs))  # type: ignore[arg-type]

    evaluation = await run_question_set(actor, saved.id, top_k=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="k = 0 is out of range."):
        await run_question_set(actor, saved.id, top_k=0)  # type: ignore[arg-type]

    assert evaluation.outcomes[-1].rank is None
    assert evaluation.outcomes[-1].retrieved[0].title == "chess.txt"
    assert evaluation.recall == pytest.approx(4 / 5) and evaluation.mrr == pytest.approx(4 / 5)


async def test_settings_compare_side_by_side_and_their_temporary_indexes_are_dropped(
    actor: Actor, fake_ollama: FakeOllama
) -> None:
    pulled = httpx.post(f"{fake_ollama.url}/api/pull", json={"model": "all-minilm", "stream": False}, timeout=10)
    assert pulled.json()["status"] == "success"
    collection, ids = await corpus(actor)
    saved = create_question_set(actor, QuestionSetSpec("Quiz", collection.id, questions(ids)))  # type: ignore[arg-type]
    variants = [
        Setting(EMBEDDER, 200, 20, 1),  # same index, other k: no new index
        Setting(EMBEDDER, 40, 0, 3),
        Setting("all-minilm:latest", 200, 20, 3),
    ]

    results = await compare_settings(actor, saved.id, variants)  # type: ignore[arg-type]

    assert [r.setting.label for r in results] == [
        f"{EMBEDDER} · 200 chars · top 3",
        f"{EMBEDDER} · 200 chars · top 1",
        f"{EMBEDDER} · 40 chars · top 3",
        "all-minilm:latest · 200 chars · top 3",
    ]
    assert results[0].chunk_count == results[1].chunk_count == 4
    assert results[2].chunk_count > 4 * 4, "40-character chunks cut each document into several"
    assert all(0.0 <= r.mrr <= r.recall <= 1.0 for r in results)
    assert results[1].recall <= results[0].recall
    assert temporary_indexes_left() == []


async def test_a_comparison_is_refused_before_any_work_for_bad_or_too_many_settings(
    actor: Actor, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    collection, ids = await corpus(actor)
    saved = create_question_set(actor, QuestionSetSpec("Quiz", collection.id, questions(ids)))  # type: ignore[arg-type]
    set_id: int = saved.id  # type: ignore[assignment]
    before = fake_ollama.stats.embed_calls

    with pytest.raises(InvalidInput, match="Compare 1 to 4 other settings at a time; 5 were given."):
        await compare_settings(actor, set_id, [Setting(EMBEDDER, 100, 0, 3)] * 5)
    with pytest.raises(InvalidInput, match="llama3.2:1b cannot make embeddings"):
        await compare_settings(actor, set_id, [Setting("llama3.2:1b", 100, 0, 3)])
    with pytest.raises(InvalidInput, match="Chunk size 5 is out of range."):
        await compare_settings(actor, set_id, [Setting(EMBEDDER, 5, 0, 3)])
    with pytest.raises(InvalidInput, match="k = 99 is out of range."):
        await compare_settings(actor, set_id, [Setting(EMBEDDER, 100, 0, 99)])
    monkeypatch.setattr(runs, "MAX_TEMPORARY_CHUNKS", 10)
    with pytest.raises(InvalidInput, match="a comparison embeds at most 10 per setting"):
        await compare_settings(actor, set_id, [Setting(EMBEDDER, 40, 0, 3)])

    assert fake_ollama.stats.embed_calls == before
    assert temporary_indexes_left() == []


async def test_a_failed_embedding_still_drops_the_temporary_index(
    actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    collection, ids = await corpus(actor)
    saved = create_question_set(actor, QuestionSetSpec("Quiz", collection.id, questions(ids)))  # type: ignore[arg-type]

    embed, seen = Embedder.embed, []

    async def host_goes_away_while_chunks_embed(self: Embedder, texts: list[str]) -> list[list[float]]:
        if len(texts) <= len(QUESTIONS):  # the questions themselves
            return await embed(self, texts)
        seen.extend(temporary_indexes_left())
        raise BackendUnavailable(self.backend.url, "the connection dropped")

    monkeypatch.setattr(Embedder, "embed", host_goes_away_while_chunks_embed)
    with pytest.raises(BackendUnavailable):
        await compare_settings(actor, saved.id, [Setting(EMBEDDER, 40, 0, 3)])  # type: ignore[arg-type]
    assert len(seen) == 1, "the temporary index existed while its chunks were embedded"
    assert temporary_indexes_left() == []


async def test_only_people_who_may_read_a_set_run_it_and_only_its_owner_deletes_it(actor: Actor) -> None:
    collection, ids = await corpus(actor)
    saved = create_question_set(actor, QuestionSetSpec("Quiz", collection.id, questions(ids)))  # type: ignore[arg-type]
    stranger = actor_of(make_user(Role.ATTENDEE, "stranger"))
    with pytest.raises(Forbidden):
        await run_question_set(stranger, saved.id)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        delete_question_set(stranger, saved.id)  # type: ignore[arg-type]
    delete_question_set(actor, saved.id)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await run_question_set(actor, saved.id)  # type: ignore[arg-type]


async def test_settings_typed_as_lists_each_change_one_thing(actor: Actor) -> None:
    collection, ids = await corpus(actor)
    saved = create_question_set(actor, QuestionSetSpec("Quiz", collection.id, questions(ids)))  # type: ignore[arg-type]
    variants = runs.variants_from_text(actor, saved.id, "50, 400", " 1 ", ["all-minilm:latest"])  # type: ignore[arg-type]
    assert [v.label for v in variants] == [
        f"{EMBEDDER} · 50 chars · top 3",
        f"{EMBEDDER} · 400 chars · top 3",
        f"{EMBEDDER} · 200 chars · top 1",
        "all-minilm:latest · 200 chars · top 3",
    ]
    assert [v.chunk_overlap for v in variants[:2]] == [10, 20]
    with pytest.raises(InvalidInput, match="Chunk sizes must be whole numbers"):
        runs.variants_from_text(actor, saved.id, "100, big", "")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="Name at least one other setting"):
        runs.variants_from_text(actor, saved.id, "", "")  # type: ignore[arg-type]


async def test_an_admin_removes_a_private_question_set_only_through_logged_moderation(actor: Actor) -> None:
    collection, ids = await corpus(actor)
    saved = create_question_set(actor, QuestionSetSpec("Quiz", collection.id, questions(ids)))  # type: ignore[arg-type]
    admin = actor_of(make_user(Role.ADMIN, "moderator"))
    with pytest.raises(Forbidden):
        delete_question_set(admin, saved.id)  # type: ignore[arg-type]
    delete_for_moderation(admin, "question-set", saved.id, "reported: answers in the questions")  # type: ignore[arg-type]
    assert list_question_sets(actor, collection.id) == []  # type: ignore[arg-type]


async def test_a_person_runs_one_comparison_at_a_time(actor: Actor) -> None:
    collection, _job = await build_collection(actor, CORPUS, visibility="public")
    ids = {member.title: member.document_id for member in member_documents(actor, collection.id)}  # type: ignore[arg-type]
    saved = create_question_set(actor, QuestionSetSpec("Quiz", collection.id, questions(ids), visibility="public"))  # type: ignore[arg-type]
    other = actor_of(make_user(Role.ATTENDEE, "neighbour"))
    variant = [Setting(EMBEDDER, 40, 0, 3)]

    first, second, neighbours = await asyncio.gather(
        compare_settings(actor, saved.id, variant),  # type: ignore[arg-type]
        compare_settings(actor, saved.id, variant),  # type: ignore[arg-type]
        compare_settings(other, saved.id, variant),  # type: ignore[arg-type]
        return_exceptions=True,
    )

    assert isinstance(second, RateLimited) and second.message == "Your previous comparison is still running."
    assert [len(result) for result in (first, neighbours)] == [2, 2]  # type: ignore[arg-type]
    assert len(await compare_settings(actor, saved.id, variant)) == 2  # type: ignore[arg-type]
    assert temporary_indexes_left() == []
