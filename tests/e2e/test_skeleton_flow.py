"""A person opens the app, sees the models, chats with streaming, and stops a reply."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.ollama_server import FakeOllama

pytestmark = pytest.mark.e2e


def _assistant_text(page: Page) -> str:
    return page.locator(".message-assistant").last.inner_text()


def test_models_page_lists_the_backend_models(
    page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    page.goto(f"{app_url}/models")
    expect(page.locator(".model-row").filter(has_text="llama3.2:1b")).to_be_visible()
    expect(page.locator(".model-row").filter(has_text="nomic-embed-text:latest")).to_be_visible()
    expect(page.get_by_text(fake_server.url).first).to_be_visible()
    page.screenshot(path=artifacts / "models.png", full_page=True)


def test_chat_streams_and_stop_ends_the_reply(
    page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    fake_server.config.token_delay = 0.15
    fake_server.config.reply_tokens = 80
    page.goto(f"{app_url}/playground")
    expect(page.locator("#model-select")).to_contain_text("llama3.2:1b")

    page.get_by_label("Message").fill("Tell me about llamas")
    page.get_by_label("Message").press("Enter")

    expect(page.locator(".message-user")).to_contain_text("Tell me about llamas")
    expect(page.locator(".message-assistant")).to_contain_text("llamas", timeout=10_000)
    first = len(_assistant_text(page))
    time.sleep(1.0)
    second = len(_assistant_text(page))
    assert second > first, "the reply grows while the model streams"

    page.locator("#stop-button").click()
    expect(page.locator(".message-assistant").get_by_text("stopped")).to_be_visible()
    expect(page.locator("#send-button")).to_be_visible()
    stopped_at = len(_assistant_text(page))
    time.sleep(0.8)
    assert len(_assistant_text(page)) == stopped_at, "nothing arrives after Stop"
    assert fake_server.stats.cancelled_streams >= 1, "Stop closed the request to Ollama"
    assert fake_server.stats.active_streams == 0
    page.screenshot(path=artifacts / "playground-stopped.png", full_page=True)


def test_a_complete_reply_shows_its_speed(page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path) -> None:
    fake_server.config.reply_tokens = 10
    page.goto(f"{app_url}/playground")
    expect(page.locator("#model-select")).to_contain_text("llama3.2:1b")
    page.get_by_label("Message").fill("Short answer please")
    page.locator("#send-button").click()
    reply = page.locator(".message-assistant").last
    expect(reply.locator(".reply-timing")).to_contain_text("tokens/s")
    expect(page.get_by_text("tokens/s")).to_have_count(1)  # once, under the reply
    expect(page.locator(".message-assistant")).to_contain_text("Short answer please")
    page.screenshot(path=artifacts / "playground-reply.png", full_page=True)


def test_unreachable_ollama_shows_a_banner_with_the_url(
    page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    fake_server.refuse_connections()
    page.goto(f"{app_url}/models")
    banner = page.locator("#backend-banner")
    expect(banner).to_contain_text(f"Cannot reach Ollama at {fake_server.url}", timeout=20_000)
    expect(banner).to_contain_text("ollama serve")
    page.screenshot(path=artifacts / "ollama-down.png", full_page=True)

    fake_server.accept_connections()
    banner.get_by_role("button", name="Retry").click()
    expect(banner).to_be_hidden(timeout=20_000)
    expect(page.locator(".model-row").first).to_be_visible()
