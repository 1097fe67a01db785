"""recall@k and MRR on hand-computed cases."""

from __future__ import annotations

import pytest

from workshop_app.services.rag.evaluation.metrics import mean_reciprocal_rank, recall_at_k
from workshop_app.services.rag.evaluation.question_sets import Expected


def test_recall_counts_questions_found_within_k() -> None:
    ranks = [1, 3, None, 2]
    assert recall_at_k(ranks, 1) == 0.25
    assert recall_at_k(ranks, 2) == 0.5
    assert recall_at_k(ranks, 3) == 0.75
    assert recall_at_k(ranks, 10) == 0.75


def test_mrr_is_the_mean_of_one_over_rank_with_misses_as_zero() -> None:
    # (1/1 + 1/3 + 0 + 1/2) / 4 = 11/24
    assert mean_reciprocal_rank([1, 3, None, 2], 3) == pytest.approx(11 / 24)
    # at k = 2 the rank-3 hit is past the cut: (1 + 0 + 0 + 1/2) / 4
    assert mean_reciprocal_rank([1, 3, None, 2], 2) == pytest.approx(3 / 8)
    assert mean_reciprocal_rank([1, 1], 5) == 1.0
    assert mean_reciprocal_rank([None, None], 5) == 0.0


def test_no_questions_score_zero_rather_than_dividing_by_zero() -> None:
    assert recall_at_k([], 3) == 0.0
    assert mean_reciprocal_rank([], 3) == 0.0


def test_a_passage_counts_only_for_chunks_overlapping_it() -> None:
    expected = Expected("q", document_id=7, title="a.txt", expected_text="x" * 10, start=100, end=110)
    assert expected.covers(7, 90, 20)  # 90..110 overlaps 100..110
    assert expected.covers(7, 105, 50)
    assert not expected.covers(7, 0, 100)  # ends where the passage begins
    assert not expected.covers(7, 110, 40)
    assert not expected.covers(8, 100, 10)  # another document
    anywhere = Expected("q", document_id=7, title="a.txt")
    assert anywhere.covers(7, 0, 1) and not anywhere.covers(3, 0, 1)
