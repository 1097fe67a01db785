"""What the fake model "says": deterministic token lists, so tests can assert exact output."""

from __future__ import annotations

import re
import zlib

FILLER = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".split()
_PIECE = re.compile(r"\S+\s*|\s+")


def echo_tokens(text: str, reply_tokens: int) -> list[str]:
    """Reply 'Echo: <text>' padded with filler words up to ``reply_tokens``, one word plus space per token.

    The echo itself is never cut short by ``reply_tokens`` so tests can always find the prompt
    in the reply; ``num_predict`` is what truncates, as with a real model.
    """
    words = ["Echo:", *text.split()]
    words += [FILLER[i % len(FILLER)] for i in range(max(0, reply_tokens - len(words)))]
    return [word + " " for word in words]


def split_tokens(content: str) -> list[str]:
    """Split scripted content into word tokens whose concatenation is exactly ``content``."""
    return _PIECE.findall(content)


def count_tokens(*texts: str) -> int:
    """The fake's prompt token count: whitespace-separated words."""
    return sum(len(text.split()) for text in texts)


def context_ids(text: str) -> list[int]:
    """Stand-in for /api/generate's "context": stable token ids for the conversation text."""
    return [zlib.crc32(word.encode()) % 128_256 for word in text.split()]
