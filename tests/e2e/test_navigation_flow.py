"""Getting around: each role sees its own sections, and a phone-width window has a menu instead of the sidebar."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 420, "height": 860}
LAPTOP = {"width": 1366, "height": 768}


def _sidebar(page: Page):
    return page.get_by_role("navigation", name="Sections", exact=True)


def test_an_attendee_sees_only_their_own_sections_and_is_sent_back_from_the_others(
    page: Page, app_url: str, artifacts: Path
) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{app_url}/playground")
    sidebar = _sidebar(page)
    for label in ("Models", "Playground", "Prompts", "Tools", "Documents", "Collections", "RAG"):
        expect(sidebar.get_by_role("link", name=label, exact=True)).to_be_visible()
    for label in ("Workshop", "Dashboard", "Admin"):
        expect(sidebar.get_by_role("link", name=label, exact=True)).to_have_count(0)
    page.screenshot(path=artifacts / "navigation-attendee-laptop.png")

    page.goto(f"{app_url}/dashboard")
    page.wait_for_url("**/playground")
    expect(page.get_by_text("The dashboard is for the instructors who run a workshop.")).to_be_visible()
    page.goto(f"{app_url}/admin")
    page.wait_for_url("**/playground")
    expect(page.get_by_text("Managing accounts is for admins.")).to_be_visible()


def test_the_admin_sees_every_section(admin_page: Page, app_url: str) -> None:
    admin_page.goto(f"{app_url}/dashboard")
    sidebar = _sidebar(admin_page)
    for label in ("Playground", "Workshop", "Dashboard", "Admin"):
        expect(sidebar.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(admin_page).to_have_url(re.compile(r"/dashboard/?$"))


def test_a_phone_opens_the_sections_from_a_menu_button(page: Page, app_url: str, artifacts: Path) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{app_url}/playground")
    expect(page.locator("#model-select")).to_contain_text("llama3.2:1b")
    expect(_sidebar(page)).to_be_hidden()
    page.screenshot(path=artifacts / "navigation-phone-closed.png")

    page.get_by_role("button", name="Open the sections menu").click()
    menu = page.get_by_role("navigation", name="Sections menu")
    expect(menu.get_by_role("link", name="Prompts", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    # The sheet slides in from the left edge; once its opening animation ends it sits there, within the phone.
    page.wait_for_function("() => document.querySelector('#sections-menu').getBoundingClientRect().x <= 1")
    box = page.locator("#sections-menu").bounding_box()
    assert box is not None and box["x"] <= 1 and box["width"] <= PHONE["width"], box
    page.screenshot(path=artifacts / "navigation-phone-open.png")

    menu.get_by_role("link", name="Prompts", exact=True).click()
    page.wait_for_url("**/prompts")
    expect(page.get_by_role("heading", name="Prompts", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Sections menu")).to_be_hidden()


def test_a_mistyped_address_says_so_and_leads_to_the_join_form(
    anonymous_page: Page, app_url: str, artifacts: Path
) -> None:
    anonymous_page.set_viewport_size(PHONE)
    anonymous_page.goto(f"{app_url}/jion")
    expect(anonymous_page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(anonymous_page).to_have_title("Page not found · Ollama Workshop")
    anonymous_page.screenshot(path=artifacts / "not-found-phone.png")
    anonymous_page.get_by_role("button", name="Join a workshop with its code").click()
    anonymous_page.wait_for_url("**/join")
    expect(anonymous_page.get_by_label("Workshop code")).to_be_visible()
