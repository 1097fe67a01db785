"""Deterministic text embeddings for the fake Ollama.

Feature hashing of lowercase word tokens: texts that share words share vector components,
so cosine similarity behaves sensibly enough for retrieval tests without any model.
"""

from __future__ import annotations

import hashlib
import math
import re

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lowercase word tokens; also serves as the fake's token count for embeddings."""
    return _WORD.findall(text.lower())


def normalize(vector: list[float]) -> list[float]:
    """L2-normalise; an all-zero vector (empty text) stays zero instead of dividing by zero."""
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


def embed_words(tokens: list[str], dim: int) -> list[float]:
    """Signed feature hashing: each word adds +-1 to one of ``dim`` buckets, then normalise."""
    vector = [0.0] * dim
    for token in tokens:
        digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "little") % dim
        vector[bucket] += 1.0 if digest[4] & 1 else -1.0
    return normalize(vector)
