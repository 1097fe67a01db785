"""Accounts in the browser: an instructor runs a workshop, attendees join with its code.

Several people at once, each in their own browser context (own cookies): the session's
admin, an instructor, and attendees who only type a code and a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.people import (
    Person,
    join,
    new_person,
    open_new_workshop_form,
    register,
    session_cookies,
    sign_in,
)

pytestmark = pytest.mark.e2e

CODE = re.compile(r"^[a-z]+-[a-z]+-\d{2}$")


def _make_instructor(admin_page: Page, app_url: str, person: Person, artifacts: Path) -> None:
    admin_page.goto(f"{app_url}/admin")
    row = admin_page.locator(".account-row").filter(has_text=person.username)
    row.get_by_label(f"Role of {person.username}").click()
    admin_page.get_by_role("option", name="instructor").click()
    expect(row.get_by_label(f"Role of {person.username}")).to_contain_text("instructor")
    admin_page.screenshot(path=artifacts / "accounts-admin.png", full_page=True)


def test_pages_send_visitors_who_are_not_signed_in_to_the_login_page(anonymous_page: Page, app_url: str) -> None:
    for path in ("/playground", "/models", "/workshop", "/admin", "/profile"):
        anonymous_page.goto(f"{app_url}{path}")
        anonymous_page.wait_for_url(re.compile(r"/login\?next="))
    expect(anonymous_page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_instructor_runs_a_workshop_that_attendees_join_with_its_code(
    open_page: Callable[[], Page], admin_page: Page, app_url: str, artifacts: Path
) -> None:
    instructor, teacher = open_page(), new_person("teacher")
    register(instructor, app_url, teacher)
    _make_instructor(admin_page, app_url, teacher, artifacts)

    instructor.goto(f"{app_url}/workshop")
    expect(instructor.get_by_text("No workshops yet — create one")).to_be_visible()
    open_new_workshop_form(instructor)
    instructor.get_by_label("Title").fill("Local LLMs, day one")
    instructor.get_by_role("button", name="Save").click()
    expect(instructor.get_by_role("heading", name="Local LLMs, day one")).to_be_visible()
    code = instructor.locator("#join-code").inner_text().strip()
    assert CODE.match(code), code
    instructor.screenshot(path=artifacts / "accounts-workshop.png", full_page=True)
    instructor.locator("#projector-button").click()
    expect(instructor.locator("#projector-code")).to_have_text(code)
    instructor.screenshot(path=artifacts / "accounts-projector.png")
    instructor.keyboard.press("Escape")
    expect(instructor.locator("#projector-code")).to_be_hidden()

    attendee = open_page()
    attendee.goto(f"{app_url}/join/{code}")
    expect(attendee.get_by_label("Workshop code")).to_have_value(code)
    attendee.get_by_label("Your name").fill("Grace")
    attendee.get_by_label("Your name").press("Enter")
    attendee.wait_for_url("**/playground")
    expect(attendee.locator("#model-select")).to_contain_text("llama3.2:1b")
    expect(attendee.locator("#user-menu")).to_contain_text("Grace")
    attendee.screenshot(path=artifacts / "accounts-attendee-playground.png", full_page=True)

    instructor.get_by_role("button", name="Refresh").click()
    expect(instructor.locator(".roster-row").filter(has_text="Grace")).to_be_visible()
    instructor.screenshot(path=artifacts / "accounts-roster.png", full_page=True)

    instructor.locator("#close-workshop").click()
    expect(instructor.get_by_text("closed to new attendees")).to_be_visible()
    latecomer = open_page()
    join(latecomer, app_url, code, "Late Larry")
    expect(latecomer.locator("#form-error")).to_contain_text("closed to new attendees")
    expect(latecomer.locator("#form-error")).to_contain_text("Ask your instructor to reopen it")
    assert "/join" in latecomer.url
    latecomer.screenshot(path=artifacts / "accounts-join-closed.png", full_page=True)

    instructor.locator(".roster-row").filter(has_text="Grace").get_by_role("button", name="Remove").click()
    expect(instructor.locator(".roster-row")).to_have_count(0)
    attendee.goto(f"{app_url}/playground")
    attendee.wait_for_url(re.compile(r"/login"))


def test_a_wrong_password_is_refused_and_the_menu_signs_out(open_page: Callable[[], Page], app_url: str) -> None:
    page, person = open_page(), new_person("forgetful")
    register(page, app_url, person)
    page.locator("#user-menu").click()
    page.get_by_role("menuitem", name="Log out", exact=True).click()
    page.wait_for_url(re.compile(r"/login"))
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill("not my password")
    expect(page.locator("#sign-in-button")).to_be_enabled()
    page.get_by_label("Password").press("Enter")
    expect(page.locator("#form-error")).to_contain_text("Wrong username or password")
    page.goto(f"{app_url}/playground")
    page.wait_for_url(re.compile(r"/login"))


def test_enter_on_a_page_not_yet_connected_never_puts_the_password_in_the_address(
    anonymous_page: Page, app_url: str, admin: Person
) -> None:
    """Until its scripts run, the sign-in page is plain HTML: Enter must not submit it the browser's way."""
    page = anonymous_page
    page.route(re.compile(r"\.js(\?|$)"), lambda route: route.abort())  # a page whose scripts are slow to arrive
    page.goto(f"{app_url}/login")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(admin.password)
    page.get_by_label("Password").press("Enter")
    page.wait_for_timeout(500)  # a browser submission would have navigated by now
    assert "password" not in page.url, page.url
    assert re.search(r"/login/?$", page.url)
    expect(page.locator("#sign-in-button")).to_be_disabled()  # and the page shows why nothing happened


def test_an_api_key_is_shown_once_and_works_for_the_rest_api(page: Page, app_url: str, artifacts: Path) -> None:
    import httpx

    page.goto(f"{app_url}/profile")
    page.get_by_label("Key name").fill("notebook")
    page.get_by_label("Key name").press("Enter")
    key = page.locator("#new-api-key").inner_text().strip()
    assert key.startswith("owk_")
    page.screenshot(path=artifacts / "accounts-api-key.png", full_page=True)
    assert httpx.get(f"{app_url}/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    page.get_by_role("button", name="Done").click()
    expect(page.locator("#new-api-key")).to_be_hidden()
    page.locator(".api-key-row").filter(has_text="notebook").get_by_role("button", name="Revoke").click()
    expect(page.locator(".api-key-row").filter(has_text="notebook")).to_contain_text("revoked")
    assert httpx.get(f"{app_url}/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_the_session_cookie_is_out_of_reach_of_page_scripts_and_sign_out_clears_it(
    open_page: Callable[[], Page], app_url: str, admin: Person
) -> None:
    page, person = open_page(), new_person("cookie")
    register(page, app_url, person)
    session = session_cookies(page, present=True)
    assert len(session) == 1 and session[0]["httpOnly"] and session[0]["sameSite"] == "Strict"
    assert not session[0]["secure"]  # served over plain http here
    assert session[0]["value"] not in page.evaluate("document.cookie")
    assert "workshop_session" not in page.evaluate("document.cookie")

    page.reload()
    expect(page.locator("#user-menu")).to_contain_text(person.display_name)
    page.goto(f"{app_url}/profile")
    expect(page.locator("#user-menu")).to_contain_text(person.display_name)
    assert re.search(r"/profile/?$", page.url)

    page.locator("#user-menu").click()
    page.get_by_role("menuitem", name="Log out", exact=True).click()
    page.wait_for_url(re.compile(r"/login"))
    assert not session_cookies(page, present=False)
    page.goto(f"{app_url}/playground")
    page.wait_for_url(re.compile(r"/login"))

    sign_in(page, app_url, person, "/profile")
    assert [cookie["httpOnly"] for cookie in session_cookies(page, present=True)] == [True]
