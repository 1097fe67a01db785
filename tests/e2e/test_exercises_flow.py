"""Exercises in the browser: an instructor writes one with a "contains" and a JSON check, an attendee submits
from the Playground, reads why a check failed, tries again and passes; the board shows it with two attempts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.people import instructor_made_by_the_admin, joined, open_new_workshop_form, sign_in

pytestmark = pytest.mark.e2e

LAPTOP, PHONE = {"width": 1366, "height": 800}, {"width": 400, "height": 860}
SCHEMA = '{"type": "object", "required": ["name", "legs"]}'


def _toast(page: Page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def _shots(page: Page, artifacts: Path, name: str) -> None:
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15_000)
    page.screenshot(path=artifacts / f"{name}-laptop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(LAPTOP)


def _send(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def _write_exercise(instructor: Page) -> None:
    instructor.get_by_label("Exercise title").fill("Describe a llama")
    instructor.get_by_label("Instructions").fill("Ask the model about a **llama** and get JSON back.")
    instructor.get_by_label("Check value").first.fill("echo")
    instructor.get_by_role("button", name="Add check").click()
    instructor.get_by_label("Check kind").nth(1).click()
    instructor.get_by_role("option", name="json_schema").click()
    instructor.get_by_label("Check value").nth(1).fill('{"type": "objekt"}')
    instructor.locator("#save-exercise").click()
    expect(_toast(instructor, "Check 2 (json_schema)")).to_be_visible()  # refused by name, nothing saved
    expect(instructor.locator(".exercise-card")).to_have_count(0)
    instructor.get_by_label("Check value").nth(1).fill(SCHEMA)
    instructor.locator("#save-exercise").click()
    expect(_toast(instructor, "Exercise “Describe a llama” saved.")).to_be_visible()
    expect(instructor.locator(".exercise-card")).to_contain_text("Reply is JSON that fits the schema")


def test_an_attendee_fails_a_check_then_passes_and_the_board_shows_two_attempts(
    open_page: Callable[[], Page], admin_page: Page, app_url: str, artifacts: Path
) -> None:
    teacher = instructor_made_by_the_admin(admin_page, app_url)
    instructor = open_page()
    instructor.set_viewport_size(LAPTOP)
    sign_in(instructor, app_url, teacher, "/exercises")
    for page_path in ("/exercises", "/arena"):  # before any workshop: the next step, not empty tables
        instructor.goto(f"{app_url}{page_path}")
        expect(instructor.locator("#no-workshop-yet")).to_contain_text("you run none yet")
        expect(instructor.get_by_label("Workshop")).to_have_count(0)
    instructor.screenshot(path=artifacts / "arena-no-workshop-laptop.png")
    instructor.locator("#no-workshop-yet").get_by_role("link", name="Create one on the Workshop page").click()
    instructor.wait_for_url("**/workshop")
    open_new_workshop_form(instructor)
    instructor.get_by_label("Title").fill("Exercise day")
    instructor.get_by_role("button", name="Save").click()
    code = instructor.locator("#join-code").inner_text().strip()
    instructor.goto(f"{app_url}/exercises")
    _write_exercise(instructor)

    attendee = open_page()
    attendee.set_viewport_size(LAPTOP)
    joined(attendee, app_url, code, "Learner Lu")
    _send(attendee, "Describe a llama")
    expect(attendee.locator(".message-assistant").last).to_contain_text("Echo: Describe a llama", timeout=15_000)
    box = attendee.locator("#exercise-submit")
    box.locator("#submit-to-exercise").click()
    failed = box.locator(".check-verdict").filter(has_text="failed")
    expect(failed).to_contain_text("Reply is JSON that fits the schema")
    expect(failed).to_contain_text("the reply is not JSON")
    expect(box.locator(".check-verdict").filter(has_text="passed")).to_contain_text("Reply contains “echo”")
    _shots(attendee, artifacts, "exercise-playground-failed")

    attendee.locator("#structured-switch").click()  # the example schema asks for name, legs and can_fly
    _send(attendee, "Describe a llama as JSON")
    expect(attendee.locator(".message-assistant").last.locator(".schema-verdict")).to_have_text(
        "matches the schema", timeout=15_000
    )
    box.locator("#submit-to-exercise").click()
    expect(_toast(attendee, "Attempt 2: every check passed.")).to_be_visible()
    expect(box.locator(".check-verdict").filter(has_text="failed")).to_have_count(0)
    expect(box.locator(".check-verdict").filter(has_text="passed")).to_have_count(2)

    attendee.goto(f"{app_url}/exercises")
    card = attendee.locator(".exercise-card")
    expect(card).to_contain_text("Attempts: 2")
    expect(card).to_contain_text("passed")
    expect(card.locator("strong")).to_have_text("llama")  # the instructions are rendered as markdown
    _shots(attendee, artifacts, "exercise-attendee")

    instructor.get_by_role("button", name="Refresh").click()
    row = instructor.locator(".board-row").filter(has_text="Learner Lu")
    expect(row).to_contain_text("passed · 2")
    expect(instructor.get_by_text("An error occurred")).to_have_count(0)
    _shots(instructor, artifacts, "exercise-board")
