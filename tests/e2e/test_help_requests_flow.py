"""An admin creates an instructor; an attendee stuck in the Playground raises a hand; the instructor answers it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.support.people import instructor_made_by_the_admin, joined, open_new_workshop_form, sign_in

pytestmark = pytest.mark.e2e

MODEL = "llama3.2:1b"


def test_an_attendee_asks_for_help_and_the_instructor_sees_and_closes_it(
    open_page: Callable[[], Page], admin_page: Page, app_url: str
) -> None:
    teacher = instructor_made_by_the_admin(admin_page, app_url)
    instructor = open_page()
    sign_in(instructor, app_url, teacher, "/workshop")
    open_new_workshop_form(instructor)
    instructor.get_by_label("Title").fill("Help desk day")
    instructor.get_by_role("button", name="Save").click()
    code = instructor.locator("#join-code").inner_text().strip()

    attendee = open_page()
    attendee.goto(f"{app_url}/join/{code}")
    expect(attendee.locator("#privacy-note")).to_contain_text("not to the instructor")
    joined(attendee, app_url, code, "Stuck Sam")
    expect(attendee.locator("#model-select")).to_contain_text(MODEL)
    attendee.get_by_label("Message").fill("My loop never ends, why?")
    attendee.get_by_label("Message").press("Enter")
    reply = attendee.locator(".message-assistant").last
    expect(reply.locator(".reply-timing")).to_contain_text("tokens/s", timeout=15_000)
    attendee.locator("#ask-for-help").click()
    expect(attendee.get_by_text("Your hand is up")).to_be_visible()

    instructor.goto(f"{app_url}/dashboard")
    hand = instructor.locator(".help-request").filter(has_text="Stuck Sam")
    expect(hand).to_be_visible(timeout=15_000)
    hand.get_by_role("button", name="Open").click()
    expect(instructor.locator("#help-shared")).to_contain_text("My loop never ends, why?")
    instructor.locator("#help-done").click()
    expect(instructor.locator(".help-request")).to_have_count(0)
    expect(instructor.locator("#help-queue-empty")).to_be_visible()
