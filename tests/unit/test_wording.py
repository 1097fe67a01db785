"""Counts on the pages read as English: one request, two requests."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.test_model_residency import summary
from workshop_app.services.core.jobs import Job
from workshop_app.services.core.wording import counted
from workshop_app.services.models.catalog import Placement
from workshop_app.services.models.metrics import ModelMetrics
from workshop_app.services.rag.collections import MemberDocument
from workshop_app.services.rag.embedding_map import EmbeddingMap, MapPoint
from workshop_app.state.model_views import model_row
from workshop_app.state.rag_views import job_view, map_note, member_row

ONE_REQUEST = ModelMetrics("pirate:v1", "http://a", 1, 1.0, 0, 4880.0, 4880.0, 6.9, "2026-12-05T15:57:00+00:00")


def test_one_takes_the_singular_and_every_other_count_the_plural() -> None:
    assert [counted(n, "request") for n in (0, 1, 2)] == ["0 requests", "1 request", "2 requests"]
    assert counted(3, "person", "people") == "3 people"


def test_a_model_used_once_says_one_request_on_the_models_page() -> None:
    once = replace(summary(Placement("http://a", True)), metrics=ONE_REQUEST)
    assert model_row(once).usage == "1 request · 100% ok"
    twice = replace(once, metrics=replace(ONE_REQUEST, total_requests=2, stopped_requests=1))
    assert model_row(twice).usage == "2 requests · 100% ok · 1 stopped"


def test_a_document_of_one_chunk_says_one_chunk_in_its_collection() -> None:
    assert member_row(MemberDocument(1, "llamas.md", 1)).chunks == "1 chunk"
    assert member_row(MemberDocument(2, "volcanoes.txt", 12)).chunks == "12 chunks"


def test_the_map_of_a_single_chunk_does_not_claim_axes_that_show_nothing() -> None:
    one = EmbeddingMap([MapPoint(0.0, 0.0, "llamas.md", 0, 1)], None, (0.0, 0.0))
    assert map_note(one) == "1 chunk · the map spreads chunks apart once there are two or more"
    two = EmbeddingMap([*one.points, MapPoint(1.0, 0.0, "llamas.md", 1, 1)], None, (1.0, 0.0))
    assert map_note(two) == "2 chunks · the two axes show 100% and 0% of the variance"
    assert map_note(EmbeddingMap([], None, (0.0, 0.0))) == "No vectors yet: add documents first."


def test_embedding_a_single_chunk_counts_it_as_one_chunk() -> None:
    one = Job("a1", "embedding", 1, "7", unit="chunks", done=1, total=1)
    assert job_view(one).progress == "1 / 1 chunk"
    assert job_view(replace(one, done=1_200, total=2_500)).progress == "1,200 / 2,500 chunks"
