"""One Chromium walk of the Playground on the built-in engine's real model: the room is told what
serves it, a question gets a streamed answer that is kept, with its timing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import admin, fresh_fake, open_page, page  # noqa: F401  (fixtures)
from tests.real_model.conftest import CHAT_MODEL
from tests.support.app_server import app_server

pytestmark = [pytest.mark.real_model, pytest.mark.e2e]

REAL_MODEL_WAIT_MS = 240_000
"""A CPU shared with other work can slow the tiny model to a few tokens a second."""
NOTICE = f"Built-in CPU engine with {CHAT_MODEL} — fine for learning the flow; install Ollama"


@pytest.fixture(scope="session")
def app_url(engine_url: str, session_dir: Path, artifacts: Path) -> Iterator[str]:
    """The app served by `workshop run`, with the session's engine as its only host."""
    with app_server(session_dir / "app-data-engine", engine_url, artifacts / "app-server-engine.log") as url:
        yield url


def test_the_playground_streams_a_real_answer_and_says_what_serves_the_room(
    page: Page,
    app_url: str,
    artifacts: Path,
) -> None:
    page.goto(f"{app_url}/playground")
    expect(page.locator("#model-select")).to_contain_text(CHAT_MODEL)
    expect(page.locator(".engine-notice")).to_contain_text(NOTICE)

    page.get_by_text("System prompt and parameters").click()
    page.locator("#param-num_predict").fill("40")  # a short answer: the walk is about the flow
    page.get_by_label("Message").fill("Give me three tips for learning to cook.")
    page.get_by_label("Message").press("Enter")
    reply = page.locator(".message-assistant").last
    expect(reply).not_to_be_empty(timeout=REAL_MODEL_WAIT_MS)
    expect(reply.locator(".reply-timing")).to_contain_text("tokens/s", timeout=REAL_MODEL_WAIT_MS)
    assert len(reply.inner_text().strip()) > 20, "a real answer, in words"
    page.screenshot(path=artifacts / "real-model-playground.png", full_page=True)

    page.reload()  # the answer was kept
    expect(page.locator(".message-user")).to_contain_text("three tips for learning to cook")
    expect(page.locator(".message-assistant").last.locator(".reply-timing")).to_contain_text("tokens/s")

    page.goto(f"{app_url}/models")
    expect(page.locator(".engine-notice")).to_contain_text(NOTICE)
    expect(page.locator(".host-card")).to_contain_text("Built-in engine · 4 slots")
    page.screenshot(path=artifacts / "real-model-models.png", full_page=True)
