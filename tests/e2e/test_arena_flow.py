"""The blind arena in the browser: an instructor opens it, an attendee votes, the leaderboard counts the vote."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.people import instructor_made_by_the_admin, joined, open_new_workshop_form, sign_in

pytestmark = pytest.mark.e2e

MODELS = ("llama3.2:1b", "qwen2.5:0.5b")


def open_tab_of(context: BrowserContext, url: str) -> Page:
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.goto(url)
    return tab


def test_an_attendee_votes_blind_and_the_leaderboard_shows_it(
    open_page: Callable[[], Page], admin_page: Page, app_url: str, artifacts: Path
) -> None:
    teacher = instructor_made_by_the_admin(admin_page, app_url)
    instructor = open_page()
    sign_in(instructor, app_url, teacher, "/workshop")
    open_new_workshop_form(instructor)
    instructor.get_by_label("Title").fill("Arena day")
    instructor.get_by_role("button", name="Save").click()
    code = instructor.locator("#join-code").inner_text().strip()
    instructor.goto(f"{app_url}/arena")
    for model in MODELS:
        instructor.get_by_role("checkbox", name=model).click()
    instructor.locator("#arena-open").click()
    expect(instructor.get_by_text("The arena is open")).to_be_visible()
    expect(instructor.get_by_text("An error occurred")).to_have_count(0)

    attendee = open_page()
    attendee_context = attendee.context
    joined(attendee, app_url, code, "Judge Jo")
    attendee.goto(f"{app_url}/arena")
    attendee.get_by_label("Arena prompt").fill("Name a fruit")
    attendee.get_by_label("Arena prompt").press("Enter")
    columns = attendee.locator(".arena-column")
    expect(columns.nth(0)).to_contain_text("Model A")
    expect(columns.nth(1)).to_contain_text("Model B")
    expect(columns.nth(1)).to_contain_text("done", timeout=15_000)
    expect(columns.nth(0)).to_contain_text("Echo: Name a fruit")
    for model in MODELS:
        expect(attendee.locator("#arena-columns")).not_to_contain_text(model)
    attendee.close()  # the round and its replies are kept: the attendee votes from a new tab
    attendee = open_tab_of(attendee_context, f"{app_url}/arena")
    columns = attendee.locator(".arena-column")
    expect(columns.nth(1)).to_contain_text("Echo: Name a fruit")
    expect(attendee.locator("#arena-asked")).to_contain_text("Name a fruit")
    attendee.locator(".vote-a").click()
    expect(attendee.locator(".revealed")).to_have_count(2)
    winner = attendee.locator(".revealed").first.inner_text().strip()
    assert winner in MODELS
    attendee.screenshot(path=artifacts / "arena-attendee.png", full_page=True)
    attendee.set_viewport_size({"width": 390, "height": 844})
    attendee.screenshot(path=artifacts / "arena-attendee-phone.png", full_page=True)

    instructor.get_by_role("button", name="Refresh").click()
    top = instructor.locator(".board-row").first
    expect(top).to_contain_text(winner)
    expect(top).to_contain_text("1 / 0 / 0")
    expect(instructor.get_by_text("An error occurred")).to_have_count(0)
    instructor.screenshot(path=artifacts / "arena-leaderboard.png", full_page=True)
