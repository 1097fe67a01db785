"""The workshop's leaderboard from its voted rounds, for its instructors, on screen and as CSV."""

from __future__ import annotations

import csv
import io

from sqlmodel import col, select

from workshop_app.db.arena import ArenaRound
from workshop_app.db.engine import session_scope
from workshop_app.services.arena.ranking import Outcome, Standing, standings
from workshop_app.services.arena.rounds import Vote, find_arena
from workshop_app.services.workshops.lifecycle import load_workshop
from workshop_app.services.workshops.policy import Action, Actor

_OUTCOME: dict[str, Outcome] = {Vote.A: 1.0, Vote.B: 0.0, Vote.TIE: 0.5, Vote.BOTH_BAD: 0.5}
CSV_HEADER = ("rank", "model", "score", "low_95", "high_95", "votes", "wins", "losses", "ties")


def leaderboard(actor: Actor | None, workshop_id: int) -> list[Standing]:
    """Every model of the arena (and any voted on before a re-open), best first."""
    with session_scope() as session:
        load_workshop(session, actor, workshop_id, Action.WRITE)
        arena = find_arena(session, workshop_id)
        query = select(ArenaRound).where(ArenaRound.workshop_id == workshop_id, col(ArenaRound.vote).is_not(None))
        games = [(r.model_a, r.model_b, _OUTCOME[r.vote or ""]) for r in session.exec(query).all()]
    models = list(dict.fromkeys([*(arena.models if arena else []), *(m for g in games for m in g[:2])]))
    return standings(models, games)


def leaderboard_csv(actor: Actor | None, workshop_id: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for rank, row in enumerate(leaderboard(actor, workshop_id), start=1):
        writer.writerow(
            (
                rank,
                row.model,
                f"{row.score:.0f}",
                f"{row.low:.0f}",
                f"{row.high:.0f}",
                row.votes,
                row.wins,
                row.losses,
                row.ties,
            )
        )
    return out.getvalue()
