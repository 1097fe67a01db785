"""The Playground's schema editor and image uploads: what is accepted, and what each refusal says."""

from __future__ import annotations

import json

import pytest

from tests.conftest import reset_settings_caches
from workshop_app.services.chat.reply_modes import (
    EXAMPLE_SCHEMA,
    MAX_IMAGES,
    check_attachments,
    data_url,
    example_schema_text,
    image_attachment,
    parse_schema,
    pretty_json,
    schema_verdict,
)
from workshop_app.services.core.errors import InvalidInput

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
GIF = b"GIF89a" + b"\0" * 32
WEBP = b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 32


def test_the_example_schema_is_accepted_as_it_is_inserted() -> None:
    assert parse_schema(example_schema_text()) == EXAMPLE_SCHEMA
    assert parse_schema("   ") is None


def test_a_schema_with_a_wrong_type_names_the_problem_and_where() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_schema('{"type": "object", "properties": {"age": {"type": "years"}}}')
    assert refused.value.message.startswith("The schema is not a valid JSON schema:")
    assert "'years' is not valid" in refused.value.message


def test_a_schema_with_broken_json_says_where_it_broke() -> None:
    with pytest.raises(InvalidInput, match=r"not valid JSON: .* \(line 1, column"):
        parse_schema('{"type": "object"')


def test_verdicts_name_the_first_problem() -> None:
    assert schema_verdict(EXAMPLE_SCHEMA, '{"name": "Lama", "legs": 4, "can_fly": false}') == ""
    assert schema_verdict(EXAMPLE_SCHEMA, '{"name": "Lama", "legs": 4}') == "'can_fly' is a required property"
    assert schema_verdict(EXAMPLE_SCHEMA, "Sure! Here is your JSON") == "the reply is not JSON"
    assert schema_verdict(None, "anything") == ""


def test_json_replies_are_indented_for_reading() -> None:
    assert pretty_json('{"a":1}') == json.dumps({"a": 1}, indent=2)
    assert pretty_json("not json") == "not json"


@pytest.mark.parametrize(
    ("data", "mime"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")]
)
def test_each_image_type_is_known_by_its_first_bytes(data: bytes, mime: str) -> None:
    assert data_url(image_attachment(data, "x")).startswith(f"data:{mime};base64,")


def test_a_renamed_text_file_is_not_an_image_whatever_its_name() -> None:
    with pytest.raises(InvalidInput, match="“notes.png” is not a PNG, JPEG, GIF or WebP image") as refused:
        image_attachment(b"hello, I am text", "notes.png")
    assert refused.value.hint == "Choose a PNG, JPEG, GIF or WebP picture."


def test_an_image_over_the_limit_is_refused_with_both_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHOP_MAX_IMAGE_BYTES", "1048576")
    reset_settings_caches()
    try:
        with pytest.raises(InvalidInput, match="“big.png” is 2.0 MB; the limit is 1.0 MB"):
            image_attachment(PNG + b"\0" * 2 * 1_048_576, "big.png")
    finally:
        monkeypatch.delenv("WORKSHOP_MAX_IMAGE_BYTES")
        reset_settings_caches()


def test_a_message_carries_a_bounded_number_of_images() -> None:
    one = image_attachment(PNG, "a.png")
    assert check_attachments((one,) * MAX_IMAGES) == (one,) * MAX_IMAGES
    with pytest.raises(InvalidInput, match=f"may carry {MAX_IMAGES} images"):
        check_attachments((one,) * (MAX_IMAGES + 1))
