"""A round's view names its models only after the vote: before, nothing in it gives them away."""

from __future__ import annotations

from dataclasses import astuple

from workshop_app.db.arena import ArenaRound
from workshop_app.services.arena.rounds import round_view


def _round(vote: str | None) -> ArenaRound:
    return ArenaRound(
        id=7,
        workshop_id=1,
        attendee_id=2,
        prompt="Which is best?",
        model_a="llama3.2:1b",
        model_b="qwen2.5:0.5b",
        reply_a="Echo one",
        reply_b="Echo two",
        vote=vote,
    )


def test_no_model_name_in_the_view_before_the_vote() -> None:
    view = round_view(_round(None))
    shown = repr(astuple(view))
    assert "llama" not in shown and "qwen" not in shown
    assert view.replies == ["Echo one", "Echo two"]


def test_the_vote_reveals_which_model_was_a_and_which_b() -> None:
    assert round_view(_round("both_bad")).models == ["llama3.2:1b", "qwen2.5:0.5b"]
