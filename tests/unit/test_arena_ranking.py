"""The arena's leaderboard math on cases worked out by hand."""

from __future__ import annotations

import math

import pytest

from workshop_app.services.arena.ranking import standings, strengths


def test_two_models_are_apart_by_their_win_odds_with_the_prior() -> None:
    """A beat B twice, B beat A once; with half a win each way: odds 2.5 : 1.5, i.e. 400·log10(5/3) ≈ 88.7 points."""
    scores = strengths(["a", "b"], [("a", "b", 1.0), ("a", "b", 1.0), ("b", "a", 1.0)])
    assert scores["a"] - scores["b"] == pytest.approx(400 * math.log10(5 / 3), abs=0.01)
    assert (scores["a"] + scores["b"]) / 2 == pytest.approx(1000)


def test_a_cycle_and_ties_leave_every_model_level() -> None:
    cycle = strengths(["a", "b", "c"], [("a", "b", 1.0), ("b", "c", 1.0), ("c", "a", 1.0)])
    assert cycle == pytest.approx({"a": 1000, "b": 1000, "c": 1000})
    assert strengths(["a", "b"], [("a", "b", 0.5), ("b", "a", 0.5)]) == pytest.approx({"a": 1000, "b": 1000})


def test_a_model_that_never_won_has_a_finite_lower_score() -> None:
    """Three wins of A over B: odds 3.5 : 0.5 = 7, i.e. 400·log10(7) ≈ 338 points apart, not infinity."""
    scores = strengths(["a", "b"], [("a", "b", 1.0)] * 3)
    assert scores["a"] - scores["b"] == pytest.approx(400 * math.log10(7), abs=0.01)


def test_standings_count_votes_and_bracket_the_score() -> None:
    games = [("a", "b", 1.0), ("b", "a", 0.0), ("a", "b", 0.5), ("c", "a", 0.0)]
    rows = {row.model: row for row in standings(["a", "b", "c"], games)}
    assert (rows["a"].votes, rows["a"].wins, rows["a"].losses, rows["a"].ties) == (4, 3, 0, 1)
    assert (rows["b"].votes, rows["b"].wins, rows["b"].losses, rows["b"].ties) == (3, 0, 2, 1)
    assert (rows["c"].votes, rows["c"].losses) == (1, 1)
    assert [row.model for row in standings(["a", "b", "c"], games)][0] == "a"
    for row in rows.values():
        assert row.low <= row.score <= row.high


def test_no_votes_yet_lists_every_model_level_with_no_interval() -> None:
    rows = standings(["a", "b"], [])
    assert [(row.score, row.low, row.high, row.votes) for row in rows] == [(1000, 1000, 1000, 0)] * 2


def test_an_arena_never_opened_has_an_empty_leaderboard() -> None:
    assert standings([], []) == []
