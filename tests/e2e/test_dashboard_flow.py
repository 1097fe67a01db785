"""The instructor watches two attendees share a parallelism-1 Ollama on the live dashboard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.ollama_server import FakeOllama
from tests.support.accessibility import serious_problems
from tests.support.people import joined, open_new_workshop_form

pytestmark = pytest.mark.e2e


def _send(page: Page, text: str) -> None:
    expect(page.locator("#model-select")).to_contain_text("llama3.2:1b")
    page.locator("#message-input").fill(text)
    page.locator("#message-input").press("Enter")


def test_the_dashboard_shows_two_attendees_sharing_one_slot(
    open_page: Callable[[], Page], admin_page: Page, app_url: str, fresh_fake: FakeOllama, artifacts: Path
) -> None:
    instructor = admin_page
    instructor.goto(f"{app_url}/workshop")
    open_new_workshop_form(instructor)
    instructor.get_by_label("Title").fill("Dashboard day")
    instructor.get_by_role("button", name="Save").click()
    expect(instructor.get_by_role("heading", name="Dashboard day")).to_be_visible()
    code = instructor.locator("#join-code").inner_text().strip()

    ada, linus = open_page(), open_page()
    for person, name in ((ada, "Ada"), (linus, "Linus")):
        joined(person, app_url, code, name)

    fresh_fake.config.token_delay = 0.1
    fresh_fake.config.reply_tokens = 80
    _send(ada, "A long story about llamas")
    expect(ada.locator(".message-assistant")).to_contain_text("llamas", timeout=10_000)
    _send(linus, "A quick question")
    expect(linus.locator("#queue-position")).to_contain_text("position 1")
    linus.screenshot(path=artifacts / "dashboard-attendee-waiting.png", full_page=True)

    instructor.goto(f"{app_url}/dashboard")
    instructor.locator("#dashboard-workshop").click()
    instructor.get_by_role("option", name="Dashboard day").click()
    expect(instructor.locator(".attendee-row").filter(has_text="Ada")).to_contain_text("online")
    expect(instructor.locator(".attendee-row").filter(has_text="Linus")).to_contain_text("online")
    host = instructor.locator(".host-row").filter(has_text=fresh_fake.url)
    expect(host).to_contain_text("1 of 1")
    expect(host.locator("td").nth(2)).to_have_text("1")
    expect(instructor.locator("#online-count")).to_have_text("2")
    instructor.screenshot(path=artifacts / "dashboard-live.png", full_page=True)
    assert serious_problems(instructor) == [], "the live board, as a screen reader meets it"
    assert serious_problems(linus) == [], "a waiting attendee's Playground, as a screen reader meets it"

    ada.locator("#stop-button").click()  # Linus gets the slot; the dashboard follows without a reload
    expect(linus.locator("#queue-position")).to_be_hidden()
    linus.locator("#stop-button").click()
    expect(host.locator("td").nth(2)).to_have_text("0", timeout=10_000)
    expect(host).to_contain_text("0 of 1")
    expect(instructor.locator(".attendee-row").filter(has_text="Ada").locator("td").nth(1)).to_have_text("1")
    expect(instructor.locator("#requests-count")).to_have_text("2")
    instructor.screenshot(path=artifacts / "dashboard-after.png", full_page=True)
