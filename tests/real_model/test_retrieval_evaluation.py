"""Retrieval evaluation on real embeddings (all-minilm on the built-in engine): questions that share
no words with their documents are found by meaning, and a deliberately poor setting scores lower."""

from __future__ import annotations

import pytest

from tests.real_model.conftest import EMBED_MODEL
from tests.real_model.test_rag_service import CORPUS, QUESTIONS
from tests.support.accounts import actor_of, make_user
from tests.support.collections import build_collection
from workshop_app.db.users import Role
from workshop_app.services.rag.collections import member_documents
from workshop_app.services.rag.evaluation.question_sets import QuestionSetSpec, QuestionSpec, create_question_set
from workshop_app.services.rag.evaluation.runs import Setting, compare_settings, temporary_indexes_left

pytestmark = pytest.mark.real_model

# The passage of each document that answers its question: only a chunk overlapping it counts.
PASSAGES = {
    "bees.txt": "turn it into honey",
    "pasta.txt": "Boil the pasta",
    "railway.txt": "board at the central station",
    "glaciers.txt": "carve valleys",
}


async def test_questions_find_their_passages_by_meaning_and_a_poor_setting_scores_lower(real_engine: str) -> None:
    actor = actor_of(make_user(Role.ATTENDEE, "evaluation"))
    collection, job = await build_collection(actor, CORPUS, embedder=EMBED_MODEL)
    assert job.status == "done", job
    ids = {member.title: member.document_id for member in member_documents(actor, collection.id)}  # type: ignore[arg-type]
    specs = [QuestionSpec(question, ids[title], PASSAGES[title]) for question, title in QUESTIONS.items()]
    saved = create_question_set(actor, QuestionSetSpec("By meaning", collection.id, specs, top_k=3))  # type: ignore[arg-type]

    # 20-character chunks cut every sentence into fragments, and only the first result counts
    as_built, poor = await compare_settings(actor, saved.id, [Setting(EMBED_MODEL, 20, 0, 1)])  # type: ignore[arg-type]

    assert (as_built.recall, as_built.found) == (1.0, len(QUESTIONS)), [
        (o.question, [c.title for c in o.retrieved]) for o in as_built.outcomes
    ]
    assert as_built.mrr >= 0.75
    assert poor.chunk_count > as_built.chunk_count
    assert poor.recall < as_built.recall and poor.mrr < as_built.mrr, (poor.recall, poor.mrr)
    assert temporary_indexes_left() == []
