"""Reading a host's NDJSON answer in the pieces the network delivers (services/ollama/streams)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from workshop_app.services.ollama.streams import ndjson_lines


async def pieces(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def parts(*chunks: bytes) -> list[dict]:
    return [part async for part in ndjson_lines(pieces(*chunks))]


def line(**fields: object) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode() + b"\n"


async def test_a_line_split_across_reads_is_one_part() -> None:
    whole = line(message={"content": "héllo"}, done=False)
    cut = whole.index("é".encode()) + 1  # inside a UTF-8 character, too
    assert await parts(whole[:5], whole[5:cut], whole[cut:]) == [{"message": {"content": "héllo"}, "done": False}]


async def test_several_lines_in_one_read_come_out_in_order() -> None:
    together = line(n=1) + line(n=2) + line(n=3)[:4]
    assert await parts(together, line(n=3)[4:]) == [{"n": 1}, {"n": 2}, {"n": 3}]


async def test_the_last_line_needs_no_newline_and_blank_lines_are_skipped() -> None:
    assert await parts(b"\n" + line(n=1) + b"\r\n", b'{"n": 2}') == [{"n": 1}, {"n": 2}]


async def test_an_error_line_mid_stream_is_handed_over_after_the_parts_before_it() -> None:
    received = await parts(line(n=1) + line(error="model runner stopped"), line(n=2))
    assert received == [{"n": 1}, {"error": "model runner stopped"}, {"n": 2}]
