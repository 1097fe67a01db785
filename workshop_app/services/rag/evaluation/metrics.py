"""recall@k and MRR from the rank at which each question's expected chunk was found.

A rank is 1-based; None means the expected chunk was not among the results at all.
"""

from __future__ import annotations

from collections.abc import Sequence


def found_within(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose expected chunk is among the first `k` results (0.0 for no questions)."""
    if not ranks:
        return 0.0
    return sum(found_within(rank, k) for rank in ranks) / len(ranks)


def mean_reciprocal_rank(ranks: Sequence[int | None], k: int) -> float:
    """Mean of 1/rank over the questions, counting a miss (or a rank past `k`) as 0."""
    if not ranks:
        return 0.0
    return sum(1 / rank for rank in ranks if rank is not None and rank <= k) / len(ranks)
