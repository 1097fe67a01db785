"""What the Evaluate page displays: question sets, a run's figures and per-question results, a comparison."""

from __future__ import annotations

import dataclasses

from workshop_app.db.collections import VectorCollection
from workshop_app.db.question_sets import QuestionSet
from workshop_app.services.rag.evaluation.runs import Evaluation, QuestionOutcome, Setting


@dataclasses.dataclass
class CollectionChoice:
    id: str = ""
    label: str = ""


@dataclasses.dataclass
class SetRow:
    id: int = 0
    name: str = ""
    summary: str = ""


@dataclasses.dataclass
class OutcomeRow:
    question: str = ""
    expected: str = ""
    found: bool = False
    rank: str = ""
    sources: str = ""
    note: str = ""


@dataclasses.dataclass
class FiguresRow:
    name: str = ""
    label: str = ""
    recall: str = ""
    mrr: str = ""
    chunks: int = 0


def collection_choice(collection: VectorCollection) -> CollectionChoice:
    unit = collection.chunk_unit
    detail = f"{collection.embedding_model} · {collection.chunk_size} {unit}"
    return CollectionChoice(str(collection.id), f"{collection.name} ({detail})")


def set_row(question_set: QuestionSet) -> SetRow:
    count = len(question_set.questions)
    return SetRow(
        question_set.id or 0, question_set.name, f"{count} question{'s' * (count != 1)} · k = {question_set.top_k}"
    )


def outcome_row(outcome: QuestionOutcome) -> OutcomeRow:
    expected = outcome.expected_title + (f" — “{outcome.expected_text[:60]}”" if outcome.expected_text else "")
    sources = " · ".join(
        f"{chunk.rank}. {chunk.title} #{chunk.position + 1}{' ✓' if chunk.expected else ''}"
        for chunk in outcome.retrieved
    )
    rank = f"rank {outcome.rank}" if outcome.rank is not None else "missed"
    return OutcomeRow(outcome.question, expected, outcome.rank is not None, rank, sources, outcome.note)


def short_name(setting: Setting, baseline: Setting) -> str:
    """How a setting differs from the collection as it is, short enough for a chart's axis."""
    changes = [
        setting.embedding_model.split(":")[0] if setting.embedding_model != baseline.embedding_model else "",
        f"{setting.chunk_size} {setting.unit}" if setting.chunk_size != baseline.chunk_size else "",
        f"top {setting.top_k}" if setting.top_k != baseline.top_k else "",
    ]
    return " · ".join(filter(None, changes)) or "as built"


def figures_row(evaluation: Evaluation, baseline: Setting) -> FiguresRow:
    return FiguresRow(
        short_name(evaluation.setting, baseline),
        evaluation.setting.label,
        f"{evaluation.recall:.2f}",
        f"{evaluation.mrr:.2f}",
        evaluation.chunk_count,
    )


def chart_point(evaluation: Evaluation, baseline: Setting) -> dict[str, float | str]:
    name = short_name(evaluation.setting, baseline)
    return {"setting": name, "recall": round(evaluation.recall, 3), "mrr": round(evaluation.mrr, 3)}
