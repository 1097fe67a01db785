"""Two attendees chat at once on a backend that serves one request at a time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.ollama_server import FakeOllama
from tests.support.people import new_person, register

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_page(open_page: Callable[[], Page], app_url: str, page: Page) -> Page:
    """Another attendee's browser, next to `page`, signed in as someone else."""
    other = open_page()
    register(other, app_url, new_person("attendee"))
    return other


def _send(page: Page, app_url: str, text: str) -> None:
    page.goto(f"{app_url}/playground")
    expect(page.locator("#model-select")).to_contain_text("llama3.2:1b")
    page.locator("#message-input").fill(text)
    page.locator("#message-input").press("Enter")


def test_the_second_attendee_waits_with_a_position_and_can_leave_the_queue(
    page: Page, second_page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    fake_server.config.token_delay = 0.1
    fake_server.config.reply_tokens = 60
    _send(page, app_url, "A long story about llamas")
    expect(page.locator(".message-assistant")).to_contain_text("llamas", timeout=10_000)

    _send(second_page, app_url, "A quick question")
    notice = second_page.locator("#queue-position")
    expect(notice).to_contain_text("Waiting for a turn — position 1")
    pending = second_page.locator(".message-assistant .reply-pending")
    expect(pending).to_have_text("Waiting for a turn…")  # not an empty bubble
    second_page.screenshot(path=artifacts / "playground-queue-position.png", full_page=True)

    second_page.locator("#stop-button").click()
    expect(notice).to_be_hidden()
    expect(second_page.locator(".message-assistant").get_by_text("stopped")).to_be_visible()
    assert fake_server.stats.requests.get("/api/chat", 0) == 1, "the stopped request never reached Ollama"

    second_page.locator("#message-input").fill("Now I will wait")
    second_page.locator("#message-input").press("Enter")
    expect(notice).to_contain_text("position 1")
    page.locator("#stop-button").click()  # the first attendee stops; the second gets the turn
    expect(notice).to_be_hidden()
    expect(second_page.locator(".message-assistant").last).to_contain_text("Echo: Now I will wait", timeout=10_000)
    second_page.screenshot(path=artifacts / "playground-turn-after-queue.png", full_page=True)
