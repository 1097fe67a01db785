"""The gateway's checks of structured formats and images, before a request waits for a turn."""

from __future__ import annotations

import base64

import pytest
from pydantic import BaseModel

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.gateway.inputs import check_format, check_images
from workshop_app.services.gateway.openai_requests import from_openai


class Pet(BaseModel):
    name: str
    kind: str


class Owner(BaseModel):
    pets: list[Pet]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    "header",
    [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF87a", b"GIF89a", b"RIFF\x10\x00\x00\x00WEBPVP8 "],
    ids=["png", "jpeg", "gif87", "gif89", "webp"],
)
def test_each_accepted_image_kind_passes_by_its_magic_bytes(header: bytes) -> None:
    assert check_images([b64(header + bytes(64))]) == 1


@pytest.mark.parametrize(
    "data", [b"RIFF\x10\x00\x00\x00WAVEfmt ", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b""], ids=str
)
def test_other_files_are_not_images(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="not a PNG, JPEG, GIF or WebP"):
        check_images([b64(data)])


def test_a_pydantic_schema_with_references_is_a_valid_format() -> None:
    check_format(Owner.model_json_schema())  # what LangChain's with_structured_output sends, $defs and all
    check_format("json")
    with pytest.raises(InvalidInput, match="JSON schema"):
        check_format("yaml")


def test_openai_reasoning_effort_and_formats_become_ollamas_fields() -> None:
    body = from_openai(
        {
            "messages": [{"role": "user", "content": "hi", "images": ["data:image/png;base64,iVBORw0KGgo="]}],
            "reasoning": {"effort": "high"},
            "response_format": {"type": "json_object"},
            "stream_options": {"include_usage": True},
        }
    )
    assert (body["think"], body["format"], body["messages"][0]["images"]) == ("high", "json", ["iVBORw0KGgo="])
    assert not {"reasoning", "response_format", "stream_options"} & body.keys()
    assert from_openai({"messages": [], "reasoning_effort": "none"})["think"] is False
