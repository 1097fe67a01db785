"""What the fake model "says": deterministic token lists, so tests can assert exact output."""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

FILLER = [
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
]
_PIECE = re.compile(r"\S+\s*|\s+")


def echo_tokens(text: str, reply_tokens: int) -> list[str]:
    """Reply 'Echo: <text>' padded with filler words up to ``reply_tokens``, one word plus space per token.

    The echo itself is never cut short by ``reply_tokens`` so tests can always find the prompt
    in the reply; ``num_predict`` is what truncates, as with a real model.
    """
    words = ["Echo:", *text.split()]
    words += [FILLER[i % len(FILLER)] for i in range(max(0, reply_tokens - len(words)))]
    return [word + " " for word in words]


def thinking_tokens(text: str) -> list[str]:
    """A thinking model's reasoning before its answer: about the question, one word plus space per token."""
    return [word + " " for word in ["Thinking", "about:", *text.split()]]


def split_tokens(content: str) -> list[str]:
    """Split scripted content into word tokens whose concatenation is exactly ``content``."""
    return _PIECE.findall(content)


def count_tokens(*texts: str) -> int:
    """The fake's prompt token count: whitespace-separated words."""
    return sum(len(text.split()) for text in texts)


def context_ids(text: str) -> list[int]:
    """Stand-in for /api/generate's "context": stable token ids for the conversation text."""
    return [zlib.crc32(word.encode()) % 128_256 for word in text.split()]


def schema_instance(schema: Any) -> Any:
    """A small value valid for a JSON schema: what a grammar-constrained model would at least produce."""
    if not isinstance(schema, dict):
        return {}
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return schema_instance(schema[key][0])
    kind = schema.get("type", "object")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: schema_instance(properties.get(name, {})) for name in schema.get("required", list(properties))}
    return {"string": "echo", "integer": 1, "number": 1.5, "boolean": True, "array": [], "null": None}.get(kind, {})


def json_reply(format_: Any, text: str) -> str:
    """The reply under `format`: "json" wraps the echo in an object, a schema gets a valid instance."""
    return json.dumps({"reply": text.strip()} if format_ == "json" else schema_instance(format_))
