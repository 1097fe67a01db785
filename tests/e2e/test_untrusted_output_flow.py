"""What the page does with what it cannot trust: a model's reply that points at remote images, an oversized paste."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, expect

from tests.fakes.ollama_server import FakeOllama

pytestmark = pytest.mark.e2e

MODEL = "llama3.2:1b"
TRACKER = "http://127.0.0.1:9"  # nothing listens there; a request to it is all the test needs to see


def _open_playground(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/playground")
    expect(page.locator("#model-select")).to_contain_text(MODEL)


def test_a_reply_never_loads_a_remote_image(page: Page, app_url: str, fake_server: FakeOllama) -> None:
    reply_text = (
        f'Look: <img src="{TRACKER}/raw.png" alt="raw"> and ![a llama]({TRACKER}/llama.png) '
        f'and <video src="{TRACKER}/clip.mp4"></video> and a [link]({TRACKER}/page).'
    )
    fake_server.script_chat(MODEL, [{"content": reply_text}])
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url) if isinstance(request, Request) else None)
    _open_playground(page, app_url)
    page.get_by_label("Message").fill("Show me a picture")
    page.get_by_label("Message").press("Enter")
    reply = page.locator(".message-assistant").last
    expect(reply).to_contain_text("[image: a llama]")
    expect(reply).to_contain_text(f"{TRACKER}/llama.png")
    expect(reply).to_contain_text('<img src="')  # raw HTML is shown as text, not rendered
    expect(reply.get_by_role("link", name="link")).to_be_visible()  # links stay: nothing loads until clicked
    assert reply.locator("img, video, audio, iframe, source").count() == 0
    page.wait_for_timeout(500)
    assert not [url for url in requested if url.startswith(TRACKER)]


def test_a_paste_over_the_message_limit_says_so(page: Page, app_url: str) -> None:
    _open_playground(page, app_url)
    page.get_by_label("Message").fill("llama " * 200_000)
    expect(page.locator("#message-limit")).to_contain_text("limited to 100,000 characters")
    page.get_by_label("Message").press("Enter")
    expect(page.locator(".message-user").last).to_contain_text("llama llama", timeout=20_000)
    expect(page.locator("#message-input")).to_have_value("")
