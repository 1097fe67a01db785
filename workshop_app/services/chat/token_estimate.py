"""A tokenizer-free token estimate, used where a count is needed before Ollama sees the text.

Ollama's API has no tokenize endpoint and each model has its own vocabulary, so chunk
sizes in tokens and the RAG context budget use this estimate: one token per short word
or punctuation mark, long words split every six characters — close to what Llama-family
tokenizers produce for English prose. Ollama reports the exact prompt count afterwards.
"""

from __future__ import annotations

import math
import re

_PIECE = re.compile(r"\w+|[^\w\s]")
CHARS_PER_TOKEN_PIECE = 6


def estimate_tokens(text: str) -> int:
    return sum(math.ceil(len(piece) / CHARS_PER_TOKEN_PIECE) for piece in _PIECE.findall(text))
