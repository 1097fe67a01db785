"""Split a document's text into chunks with semantic-text-splitter, by characters or by tokens.

The splitter prefers the largest semantic unit that fits (sections, paragraphs, sentences,
words); with `markdown` it also respects Markdown structure. Each chunk keeps its character
offset so a search hit can say where in the document it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from semantic_text_splitter import MarkdownSplitter, TextSplitter

from workshop_app.services.chat.token_estimate import estimate_tokens
from workshop_app.services.core.choices import choice
from workshop_app.services.core.errors import InvalidInput

MAX_CHUNK_SIZE = 8000
PREVIEW_CHUNKS = 20


class Unit(StrEnum):
    CHARS = "chars"
    TOKENS = "tokens"


@dataclass(frozen=True)
class ChunkSettings:
    size: int = 800
    overlap: int = 100
    unit: Unit | str = Unit.CHARS  # a str from a form is checked by validated()
    markdown: bool = True

    def validated(self) -> ChunkSettings:
        if not 20 <= self.size <= MAX_CHUNK_SIZE:
            raise InvalidInput(
                f"Chunk size {self.size} is out of range.", hint=f"Use 20 to {MAX_CHUNK_SIZE} {self.unit}."
            )
        if not 0 <= self.overlap < self.size:
            raise InvalidInput(
                "The overlap must be smaller than the chunk size.", hint="Try an overlap of 10-20% of the size."
            )
        return replace(self, unit=choice(Unit, self.unit, "chunk unit"))


@dataclass(frozen=True)
class Chunk:
    position: int  # 0-based index within the document
    start: int  # character offset in the document's text
    text: str


def split(text: str, settings: ChunkSettings) -> list[Chunk]:
    settings = settings.validated()
    kind = MarkdownSplitter if settings.markdown else TextSplitter
    if settings.unit is Unit.TOKENS:
        splitter = kind.from_callback(estimate_tokens, settings.size, settings.overlap)
    else:
        splitter = kind(settings.size, settings.overlap)
    return [Chunk(position, start, piece) for position, (start, piece) in enumerate(splitter.chunk_indices(text))]
