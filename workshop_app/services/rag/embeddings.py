"""Vectors from Ollama's /api/embed, in batches, each batch waiting a fair turn on its host.

Batching keeps a 1,000-chunk document to ceil(1000 / WORKSHOP_EMBED_BATCH_SIZE) requests;
taking a scheduler turn per batch lets attendees' chats slip in between the batches of a
long embedding job instead of waiting for all of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.ollama.backends import backend_for
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.scheduler import scheduler_for
from workshop_app.services.operations.metrics import count_embeddings
from workshop_app.services.sharing.rate_limits import requester_key
from workshop_app.settings import get_settings


def batches(count: int, batch_size: int | None = None) -> Iterator[slice]:
    """Slices covering `count` items, WORKSHOP_EMBED_BATCH_SIZE (or `batch_size`) at a time."""
    size = batch_size or get_settings().embed_batch_size
    return (slice(start, min(start + size, count)) for start in range(0, count, size))


@dataclass(frozen=True)
class Embedder:
    """One embedding model on the host chosen for it, embedding on behalf of one requester."""

    model: str
    backend: OllamaBackend
    requester: str

    @classmethod
    async def open(
        cls, model: str, *, user_id: int | None = None, backends: tuple[OllamaBackend, ...] | None = None
    ) -> Embedder:
        if not model.strip():
            raise InvalidInput("Choose an embedding model first.")
        return cls(model, await backend_for(model, backends), requester_key(user_id, "embedding"))

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One /api/embed call for all of `texts`, after a fair turn on the host."""
        return (await self.embed_counted(texts))[0]

    async def embed_counted(
        self, texts: Sequence[str], extras: Mapping[str, Any] | None = None
    ) -> tuple[list[list[float]], int]:
        """`embed`'s vectors and the tokens the host read for them (its prompt_eval_count)."""
        async with scheduler_for(self.backend.url).turn(self.requester) as turn:
            await turn.wait()
            vectors, tokens = await self.backend.embed_counted(self.model, list(texts), extras)
        count_embeddings(self.model, len(texts))
        return vectors, tokens


async def embed_texts(
    model: str,
    texts: Sequence[str],
    *,
    user_id: int | None = None,
    batch_size: int | None = None,
    backends: tuple[OllamaBackend, ...] | None = None,
) -> list[list[float]]:
    """One vector per text, in order, one request per batch."""
    return (await embed_texts_counted(model, texts, user_id=user_id, batch_size=batch_size, backends=backends))[0]


async def embed_texts_counted(
    model: str,
    texts: Sequence[str],
    *,
    user_id: int | None = None,
    batch_size: int | None = None,
    backends: tuple[OllamaBackend, ...] | None = None,
    extras: Mapping[str, Any] | None = None,
) -> tuple[list[list[float]], int]:
    """The vectors of `embed_texts` and the tokens the host read for them, for a quota.

    `extras` are /api/embed's other fields (truncate, dimensions, keep_alive), sent as given.
    """
    embedder = await Embedder.open(model, user_id=user_id, backends=backends)
    vectors: list[list[float]] = []
    tokens = 0
    for part in batches(len(texts), batch_size):
        batch, read = await embedder.embed_counted(texts[part], extras)
        vectors.extend(batch)
        tokens += read
    return vectors, tokens
