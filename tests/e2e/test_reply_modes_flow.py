"""A thinking model's reasoning, a reply that must fit a JSON schema and a picture for a vision model, in the
Playground (each shown as it streams, refused with a toast when it is wrong, and still there after a reload)
and in Compare (each column with its own reasoning; a model that cannot is named before anything is sent)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.fakes.ollama_server import FakeOllama

pytestmark = pytest.mark.e2e

THINKER, SEER, PLAIN = "qwen3:0.6b", "llava:7b", "llama3.2:1b"
SEEING_THINKER = "qwen3-vl:2b"  # in the fake's registry: pulled by the walk that needs it
LAPTOP, PHONE = {"width": 1366, "height": 800}, {"width": 400, "height": 860}


def _png() -> bytes:
    """A real 8×8 orange PNG, so the browser draws the thumbnail."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\xff\x80\x00" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _open(page: Page, app_url: str, model: str) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{app_url}/playground")
    expect(page.locator("#model-select")).to_contain_text(PLAIN)
    page.locator("#model-select").click()
    page.get_by_role("option", name=model, exact=True).click()
    expect(page.locator("#model-select")).to_contain_text(model)


def _send(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def _toast(page: Page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def _shots(page: Page, artifacts: Path, name: str) -> None:
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15_000)  # toasts gone: the page shows
    page.screenshot(path=artifacts / f"{name}-laptop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(LAPTOP)


def test_a_thinking_model_shows_its_reasoning_folded_above_the_answer(
    page: Page, app_url: str, fresh_fake: FakeOllama, artifacts: Path
) -> None:
    _open(page, app_url, PLAIN)
    expect(page.locator("#think-switch")).to_have_count(0)  # llama3.2 does not think: no toggle
    page.locator("#model-select").click()
    expect(page.get_by_role("option", name=THINKER, exact=True)).to_contain_text("thinking")  # badges in the picker
    page.get_by_role("option", name=THINKER, exact=True).click()
    page.locator("#think-switch").click()
    fresh_fake.config.token_delay = 0.1
    _send(page, "Why is the sky blue?")

    thinking = page.locator(".message-assistant .reply-thinking")
    expect(thinking.locator("summary")).to_have_text("Thinking…", timeout=10_000)
    reply = page.locator(".message-assistant").last
    expect(reply).to_contain_text("Echo: Why is the sky blue?", timeout=15_000)
    expect(thinking.locator("summary")).to_contain_text("Thought for")
    expect(thinking.get_by_text("Thinking about: Why is the sky blue?")).not_to_be_visible()  # folded away
    thinking.locator("summary").click()
    expect(thinking.get_by_text("Thinking about: Why is the sky blue?")).to_be_visible()
    assert fresh_fake.stats.last_chat["think"] is True
    _shots(page, artifacts, "playground-thinking")

    page.reload()
    expect(page.locator("#think-switch")).to_be_checked()
    expect(page.locator(".reply-thinking summary")).to_contain_text("Thought for")


def test_a_structured_reply_is_shown_as_json_and_checked_against_the_schema(
    page: Page, app_url: str, fresh_fake: FakeOllama, artifacts: Path
) -> None:
    _open(page, app_url, PLAIN)
    page.locator("#structured-switch").click()
    editor = page.locator("#schema-editor")
    expect(editor).to_contain_text('"can_fly"')  # the example is there to start from
    editor.fill('{"type": "object", "properties": {"legs": {"type": "legs"}}}')
    editor.blur()
    expect(_toast(page, "The schema is not a valid JSON schema")).to_be_visible()
    _send(page, "Describe a llama")
    expect(_toast(page, "The schema is not a valid JSON schema")).to_have_count(2)  # refused again, nothing sent
    assert fresh_fake.stats.requests.get("/api/chat", 0) == 0

    page.locator("#insert-example-schema").click()
    _send(page, "Describe a llama")
    reply = page.locator(".message-assistant").last
    expect(reply.locator(".schema-verdict")).to_have_text("matches the schema", timeout=15_000)
    expect(reply).to_contain_text('"legs": 1')
    assert fresh_fake.stats.last_chat["format"]["required"] == ["name", "legs", "can_fly"]

    fresh_fake.script_chat(PLAIN, [{"content": '{"name": "Lama", "legs": "four", "can_fly": false}'}])
    _send(page, "Once more")
    verdict = page.locator(".message-assistant").last.locator(".schema-verdict")
    expect(verdict).to_have_text("does not match: 'four' is not of type 'integer' (at legs)", timeout=15_000)
    _shots(page, artifacts, "playground-structured")

    page.reload()
    expect(page.locator(".schema-verdict")).to_have_count(2)
    expect(page.locator("#schema-editor")).to_contain_text('"can_fly"')


def test_an_image_goes_to_a_vision_model_and_a_file_that_is_not_one_is_refused(
    page: Page, app_url: str, fresh_fake: FakeOllama, artifacts: Path, tmp_path: Path
) -> None:
    _open(page, app_url, PLAIN)
    expect(page.locator(".image-drop")).to_have_count(0)  # no vision, no image button
    page.locator("#model-select").click()
    page.get_by_role("option", name=SEER, exact=True).click()

    fake_picture = tmp_path / "notes.png"
    fake_picture.write_text("I am a text file with a picture's name")
    page.locator(".image-drop input[type=file]").set_input_files(fake_picture)
    refusal = _toast(page, "“notes.png” is not a PNG, JPEG, GIF or WebP image")
    expect(refusal).to_contain_text("Choose a PNG, JPEG, GIF or WebP picture.")
    expect(page.locator(".attachment")).to_have_count(0)

    picture = tmp_path / "orange.png"
    picture.write_bytes(_png())
    page.locator(".image-drop input[type=file]").set_input_files(picture)
    expect(page.locator(".attachment img")).to_have_count(1)
    _send(page, "What is in this picture?")
    expect(page.locator(".message-assistant").last).to_contain_text("[1 image]", timeout=15_000)  # the model saw it
    expect(page.locator(".attachment")).to_have_count(0)  # sent: the composer is empty again
    expect(page.locator(".message-user .message-images img")).to_have_count(1)
    _shots(page, artifacts, "playground-image")

    page.reload()
    expect(page.locator(".message-user .message-images img")).to_have_count(1)
    width = page.locator(".message-user .message-images img").evaluate("image => image.naturalWidth")
    assert width == 8, "the kept picture is the one sent, drawn by the browser"

    page.locator(".image-drop input[type=file]").set_input_files(picture)
    expect(page.locator(".attachment img")).to_have_count(1)
    page.locator("#model-select").click()
    page.get_by_role("option", name=PLAIN, exact=True).click()
    expect(page.locator(".attachment img")).to_have_count(1)  # still in sight: it would go with the message
    _send(page, "And this one?")
    expect(_toast(page, f'"{PLAIN}" does not support vision')).to_be_visible()


def test_compared_models_are_asked_for_the_same_schema_and_each_column_is_checked(
    page: Page, app_url: str, fresh_fake: FakeOllama, artifacts: Path
) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{app_url}/compare")
    expect(page.locator(".compare-model").filter(has_text=THINKER)).to_contain_text("thinking")  # its badges
    page.locator(".compare-model").filter(has_text=PLAIN).click()
    page.locator(".compare-model").filter(has_text="qwen2.5:0.5b").click()
    page.locator("#structured-switch").click()
    expect(page.locator("#schema-editor")).to_contain_text('"can_fly"')
    fresh_fake.script_chat("qwen2.5:0.5b", [{"content": '{"name": "Lama"}'}])
    page.get_by_label("Prompt", exact=True).fill("Describe a llama")
    page.locator("#compare-run").click()

    columns = page.locator(".compare-column")
    expect(columns.nth(0).locator(".schema-verdict")).to_have_text("matches the schema", timeout=15_000)
    expect(columns.nth(1).locator(".schema-verdict")).to_have_text("does not match: 'legs' is a required property")
    _shots(page, artifacts, "compare-structured")


def _wait_until_listed(page: Page, model: Locator) -> None:
    """A model pulled behind the app's back shows once its host's next health check has read it (every 10 s)."""
    for _ in range(20):
        expect(page.locator(".compare-model").first).to_be_visible(timeout=15_000)
        if model.count():
            return
        page.wait_for_timeout(1_500)
        page.reload()
    expect(model).to_have_count(1)


def test_compared_models_think_apart_and_see_an_image_and_one_that_cannot_is_named(
    page: Page, app_url: str, fresh_fake: FakeOllama, artifacts: Path, tmp_path: Path
) -> None:
    assert httpx.post(f"{fresh_fake.url}/api/pull", json={"model": SEEING_THINKER, "stream": False}).is_success
    page.set_viewport_size(LAPTOP)
    page.goto(f"{app_url}/compare")
    models = page.locator(".compare-model")
    _wait_until_listed(page, models.filter(has_text=SEEING_THINKER).filter(has_text="vision"))
    expect(page.locator("#think-switch")).to_have_count(0)  # nothing chosen that thinks
    expect(page.locator(".image-drop")).to_have_count(0)
    models.filter(has_text=THINKER).click()
    models.filter(has_text=PLAIN).click()
    page.locator("#think-switch").click()
    page.get_by_label("Prompt", exact=True).fill("What is in this picture?")
    page.locator("#compare-run").click()
    expect(_toast(page, f'"{PLAIN}" does not support thinking')).to_be_visible()
    expect(page.locator(".compare-column")).to_have_count(0)
    assert fresh_fake.stats.requests.get("/api/chat", 0) == 0, "refused before anything was sent"

    models.filter(has_text=PLAIN).click()
    models.filter(has_text=SEEING_THINKER).click()
    page.locator("#compare-run").click()
    columns = page.locator(".compare-column")
    expect(columns).to_have_count(2)
    for index in (0, 1):  # each column folds its own model's reasoning above its answer
        column = columns.nth(index)
        expect(column).to_contain_text("Echo: What is in this picture?", timeout=15_000)
        column.locator(".reply-thinking summary").click()
        expect(column.locator(".reply-thinking")).to_contain_text("Thinking about: What is in this picture?")

    picture = tmp_path / "orange.png"
    picture.write_bytes(_png())
    page.locator(".image-drop input[type=file]").set_input_files(picture)
    expect(page.locator(".attachment img")).to_have_count(1)
    page.locator("#compare-run").click()
    expect(_toast(page, f'"{THINKER}" does not support vision')).to_be_visible()

    models.filter(has_text=THINKER).click()
    models.filter(has_text=SEER).click()
    page.locator("#think-switch").click()  # off: llava does not think
    page.locator("#compare-run").click()
    for index in (0, 1):
        expect(columns.nth(index)).to_contain_text("[1 image]", timeout=15_000)  # every model saw it
    expect(page.locator(".compare-column .reply-thinking")).to_have_count(0)
    _shots(page, artifacts, "compare-image")

    columns.nth(0).get_by_role("button", name="Continue with this answer").click()  # the picture comes along
    page.wait_for_url("**/playground")
    expect(page.locator(".message-user").last.get_by_role("img", name="Image sent")).to_have_count(1)
    expect(page.locator(".message-assistant").last).to_contain_text("[1 image]")
