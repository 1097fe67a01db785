"""Getting around: each role sees its own sections, and a phone-width window has a menu instead of the sidebar."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.people import new_person, register

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


SMALL_PHONE = {"width": 375, "height": 740}
SECTIONS_ON_A_PHONE = {
    "Playground": "/playground",
    "Models": "/models",
    "Prompts": "/prompts",
    "Tools": "/tools",
    "Collections": "/collections",
    "RAG": "/rag",
    "My usage": "/usage",
    "Exercises": "/exercises",
    "Arena": "/arena",
    "Evaluate": "/evaluate",
}


def _sideways_overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_a_small_phone_shows_each_section_without_sideways_scrolling_even_with_a_long_name(
    open_page: Callable[[], Page], app_url: str, artifacts: Path
) -> None:
    page = open_page()
    page.set_viewport_size(SMALL_PHONE)
    register(page, app_url, replace(new_person("phone"), display_name="Maximiliane Oberhuber-Schmidt"))
    # Documents first: a page with an upload field loads the theme's stylesheet once more, and the sections
    # opened from its menu (without a reload) keep it
    page.goto(f"{app_url}/documents")
    expect(page.locator("#user-menu")).to_be_visible()
    assert _sideways_overflow(page) <= 0, "/documents is wider than the phone"
    for label, path in SECTIONS_ON_A_PHONE.items():
        page.get_by_role("button", name="Open the sections menu").click()
        page.get_by_role("navigation", name="Sections menu").get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(re.compile(rf"{path}/?$"))
        expect(page.locator("#user-menu")).to_be_visible()
        page.wait_for_timeout(300)  # the page's own data arrives after its heading
        overflow = _sideways_overflow(page)
        if overflow > 0:
            page.screenshot(path=artifacts / "navigation-small-phone-overflow.png")
        assert overflow <= 0, f"{label} is {overflow}px wider than a {SMALL_PHONE['width']}px phone"
    page.get_by_role("button", name="Open the sections menu").click()
    page.get_by_role("navigation", name="Sections menu").get_by_role("link", name="Playground", exact=True).click()
    expect(page.locator("#model-select")).to_be_visible()
    assert _sideways_overflow(page) <= 0
    page.screenshot(path=artifacts / "navigation-small-phone-long-name.png")
