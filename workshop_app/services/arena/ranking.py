"""Bradley–Terry strengths from pairwise votes, on an Elo-like scale, with bootstrap intervals.

Plain math on (model A, model B, outcome) triples so it is tested on hand-computed cases.
A tie (and "both bad") counts half a win to each side. Each compared pair also gets a half
win each way (a weak prior), so a model that never won still has a finite score and two
models seen once are not infinitely apart.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

SCALE, CENTER = 400.0, 1000.0  # Elo's convention: 400 points = 10 to 1 odds; the mean model scores 1000
PRIOR_WINS = 0.5
ITERATIONS = 200  # at most; the iterations stop once no strength moves by more than TOLERANCE
TOLERANCE = 1e-7
BOOTSTRAP_SAMPLES = 200

Outcome = float  # 1.0: A won, 0.0: B won, 0.5: tie or both bad


@dataclass(frozen=True)
class Standing:
    model: str
    score: float
    low: float  # the bootstrap 95 % interval of the score
    high: float
    votes: int
    wins: int
    losses: int
    ties: int


def strengths(models: Sequence[str], games: Sequence[tuple[str, str, Outcome]]) -> dict[str, float]:
    """Each model's score: 1000 + 400·log10(p) with the p's from Hunter's MM iterations, mean 1000."""
    if not models:
        return {}
    wins: dict[tuple[str, str], float] = defaultdict(float)
    for a, b, outcome in games:
        wins[a, b] += outcome
        wins[b, a] += 1.0 - outcome
    for a, b in list(wins):
        wins[a, b] += PRIOR_WINS
    p = dict.fromkeys(models, 1.0)
    for _ in range(ITERATIONS):
        p, previous = _step(p, wins), p
        if max(abs(p[m] / previous[m] - 1.0) for m in p) < TOLERANCE:
            break
    logs = {m: math.log10(v) for m, v in p.items()}
    mean = sum(logs.values()) / len(logs)
    return {m: CENTER + SCALE * (value - mean) for m, value in logs.items()}


def _step(p: dict[str, float], wins: dict[tuple[str, str], float]) -> dict[str, float]:
    """One minorise–maximise update: p_i = W_i / Σ_j n_ij / (p_i + p_j), renormalised to a geometric mean of 1."""
    total: dict[str, float] = defaultdict(float)
    weight: dict[str, float] = defaultdict(float)
    for (i, j), w in wins.items():
        total[i] += w
        weight[i] += (w + wins[j, i]) / (p[i] + p[j])
    fresh = {m: total[m] / weight[m] if weight[m] else v for m, v in p.items()}
    norm = math.exp(sum(math.log(v) for v in fresh.values()) / len(fresh))
    return {m: v / norm for m, v in fresh.items()}


def standings(models: Sequence[str], games: Sequence[tuple[str, str, Outcome]], *, seed: int = 0) -> list[Standing]:
    """Models best first, with their score, a bootstrap 95 % interval and their vote counts."""
    scores = strengths(models, games)
    rng = random.Random(seed)
    samples = [strengths(models, rng.choices(games, k=len(games))) for _ in range(BOOTSTRAP_SAMPLES if games else 0)]
    rows = []
    for model in models:
        spread = sorted(sample[model] for sample in samples) or [scores[model]]
        mine = [(outcome if a == model else 1.0 - outcome) for a, b, outcome in games if model in (a, b)]
        rows.append(
            Standing(
                model,
                scores[model],
                _quantile(spread, 0.025),
                _quantile(spread, 0.975),
                len(mine),
                mine.count(1.0),
                mine.count(0.0),
                mine.count(0.5),
            )
        )
    return sorted(rows, key=lambda row: (-row.score, row.model))


def _quantile(values: list[float], q: float) -> float:
    position = q * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)
