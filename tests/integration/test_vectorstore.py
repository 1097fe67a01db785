"""Collections in embedded Chroma and in a real Chroma server: distances, recorded model, retrieval."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.conftest import reset_settings_caches
from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.chroma import chroma_server
from tests.support.collections import CORPUS, EMBEDDER, QUESTIONS, build_collection
from workshop_app.db.users import Role
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.rag.chroma_lock import chroma_paused
from workshop_app.services.rag.collections import CollectionSpec, create_collection, embedding_models, get_collection
from workshop_app.services.rag.embedding_map import collection_map
from workshop_app.services.rag.retrieval import search
from workshop_app.services.rag.vector_store import (
    EmbeddingMismatch,
    VectorStore,
    client_from,
    get_vector_store,
    similarity,
)
from workshop_app.services.workshops.policy import Actor
from workshop_app.settings import get_settings


@pytest.fixture(scope="module")
def chroma_url() -> Iterator[str]:
    with chroma_server() as url:
        yield url


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.chroma_server)])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, fake_ollama: FakeOllama) -> Iterator[str]:
    """The app's vector store: embedded in the data directory, or the Chroma server."""
    if request.param == "server":
        monkeypatch.setenv("WORKSHOP_CHROMA_URL", request.getfixturevalue("chroma_url"))
    reset_settings_caches()
    get_vector_store.cache_clear()
    yield request.param
    monkeypatch.delenv("WORKSHOP_CHROMA_URL", raising=False)
    reset_settings_caches()
    get_vector_store.cache_clear()


@pytest.fixture
def actor(migrated_database: str) -> Actor:
    return actor_of(make_user(Role.ATTENDEE, "searcher"))


async def test_retrieval_puts_the_right_document_first(store: str, actor: Actor) -> None:
    collection, job = await build_collection(actor, CORPUS)
    assert job.status == "done" and job.item_errors == []
    for question, expected in QUESTIONS.items():
        result = await search(actor, collection.id, question, top_k=3)  # type: ignore[arg-type]
        assert result.hits[0].title == expected, question
        assert result.hits[0].score > result.hits[1].score
        assert result.hits[0].position == 0 and result.hits[0].text


async def test_the_server_holds_what_the_app_stored(store: str, actor: Actor) -> None:
    collection, job = await build_collection(actor, CORPUS)
    direct = VectorStore(client_from(get_settings()))
    assert direct.count(collection.chroma_name) == job.total == len(CORPUS)
    assert direct.recorded(collection.chroma_name) == (EMBEDDER, 64)
    assert get_collection(actor, collection.id).dimension == 64  # type: ignore[arg-type]


@pytest.mark.parametrize("distance", ["cosine", "l2", "ip"])
def test_each_distance_ranks_the_nearest_vector_first(store: str, distance: str) -> None:
    vectors = get_vector_store()
    name = f"distance-{distance}-{store}"
    vectors.drop(name)
    vectors.create(name, "m", distance)
    vectors.add(name, "m", ["near", "far"], [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], ["near", "far"], [{"n": 1}, {"n": 2}])
    near, far = vectors.query(name, "m", [0.9, 0.1, 0.0], k=2)
    assert (near.id, far.id) == ("near", "far")
    assert similarity(distance, near.distance) > similarity(distance, far.distance)


def test_vectors_from_another_model_or_size_are_refused(store: str) -> None:
    vectors = get_vector_store()
    name = f"mismatch-{store}"
    vectors.drop(name)
    vectors.create(name, "nomic-embed-text:latest", "cosine")
    vectors.add(name, "nomic-embed-text:latest", ["a"], [[0.1, 0.2, 0.3]], ["a"], [{"p": 0}])
    with pytest.raises(EmbeddingMismatch, match="built with nomic-embed-text:latest; vectors from all-minilm"):
        vectors.add(name, "all-minilm", ["b"], [[0.1, 0.2, 0.3]], ["b"], [{"p": 1}])
    with pytest.raises(
        EmbeddingMismatch, match="holds 3-dimensional vectors but nomic-embed-text:latest now returns 2"
    ):
        vectors.query(name, "nomic-embed-text:latest", [0.1, 0.2], k=1)


async def test_only_models_with_the_embedding_capability_can_build_a_collection(
    fake_ollama: FakeOllama, actor: Actor
) -> None:
    assert await embedding_models() == [EMBEDDER]
    with pytest.raises(InvalidInput, match="llama3.2:1b cannot make embeddings"):
        await create_collection(actor, CollectionSpec("Chat model", "llama3.2:1b"))
    with pytest.raises(InvalidInput, match="^Choose an embedding model first"):  # none picked in the form
        await create_collection(actor, CollectionSpec("No model", ""))
    with pytest.raises(InvalidInput, match="'manhattan' is not a valid distance"):
        await create_collection(actor, CollectionSpec("Odd", EMBEDDER, distance="manhattan"))
    with pytest.raises(InvalidInput, match="'everyone' is not a valid visibility"):
        await create_collection(actor, CollectionSpec("Odd", EMBEDDER, visibility="everyone"))


async def test_the_embedding_map_places_the_query_with_the_same_projection(
    fake_ollama: FakeOllama, actor: Actor
) -> None:
    collection, _job = await build_collection(actor, CORPUS)
    volcano_text = CORPUS["volcanoes.txt"].decode()  # one chunk: the query's vector equals the chunk's
    result = await search(actor, collection.id, volcano_text, top_k=1)  # type: ignore[arg-type]
    picture = await collection_map(actor, collection.id, result.vector)  # type: ignore[arg-type]
    assert sorted(point.title for point in picture.points) == sorted(CORPUS)
    assert 0.5 < sum(picture.explained) <= 1.0 + 1e-9
    [volcano] = [point for point in picture.points if point.title == "volcanoes.txt"]
    assert picture.query is not None
    assert (picture.query.x, picture.query.y) == pytest.approx((volcano.x, volcano.y), abs=1e-6)
    spread = max(abs(p.x - q.x) + abs(p.y - q.y) for p in picture.points for q in picture.points)
    assert spread > 0.1


def test_embedded_writes_wait_while_a_backup_copies_the_directory() -> None:
    get_vector_store.cache_clear()
    vectors = get_vector_store()  # embedded: the tests set no WORKSHOP_CHROMA_URL
    name = "paused-writes"
    vectors.drop(name)
    vectors.create(name, "m", "cosine")
    written = threading.Event()
    writer = threading.Thread(
        target=lambda: (vectors.add(name, "m", ["a"], [[1.0, 0.0]], ["a"], [{"p": 0}]), written.set())
    )
    with chroma_paused(get_settings().data_dir):
        writer.start()
        assert not written.wait(0.3)
    assert written.wait(5)
    writer.join()
    assert vectors.count(name) == 1
