"""An attendee reads their usage after a chat; a phone joins through the QR code on the workshop page."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.support.people import open_new_workshop_form
from workshop_app.services.workshops.join_qr import join_qr_data_uri

pytestmark = pytest.mark.e2e

MODEL = "llama3.2:1b"
PHONE = {"width": 390, "height": 844}


def test_an_attendee_sees_their_usage_after_a_chat(page: Page, app_url: str, artifacts: Path) -> None:
    page.goto(f"{app_url}/playground")
    expect(page.locator("#model-select")).to_contain_text(MODEL)
    page.get_by_label("Message").fill("Count my tokens")
    page.get_by_label("Message").press("Enter")
    expect(page.locator(".message-assistant").last.locator(".reply-timing")).to_contain_text("tokens")

    page.get_by_role("navigation", name="Sections", exact=True).get_by_role("link", name="My usage").click()
    page.wait_for_url("**/usage")
    tokens = page.locator("#usage-tokens-figure")
    expect(tokens).to_have_text(re.compile(r"^[1-9][\d,]* of 1,000,000 tokens today$"))
    expect(page.locator("#usage-tokens")).to_contain_text("the quota refills tomorrow at")
    expect(page.locator("#usage-requests-figure")).to_have_text("1 of 100 requests in the last minute")
    expect(page.locator(".usage-model-row")).to_have_count(1)
    row = page.locator(".usage-model-row").first
    expect(row).to_contain_text(MODEL)
    used = tokens.inner_text().split(" of ")[0]
    expect(row.locator("td").last).to_have_text(used)  # the model's tokens are the quota's count
    expect(page.locator("#usage-waits")).to_have_text("No wait: your request was served at once.")
    page.screenshot(path=artifacts / "my-usage-laptop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=artifacts / "my-usage-phone.png", full_page=True)


def test_a_phone_joins_through_the_qr_code_with_the_code_filled_in(
    admin_page: Page, open_page: Callable[[], Page], app_url: str, artifacts: Path
) -> None:
    page = admin_page
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{app_url}/workshop")
    open_new_workshop_form(page)
    page.get_by_label("Title").fill("Join from a phone")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Join from a phone")).to_be_visible()
    code = page.locator("#join-code").inner_text().strip()
    link = page.locator("#join-url").inner_text().strip()
    assert link.endswith(f"/join/{code}"), link

    expect(page.locator("#join-qr")).to_have_attribute("src", join_qr_data_uri(link))
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    page.screenshot(path=artifacts / "join-qr-laptop.png", full_page=True)
    page.locator("#projector-button").click()
    expect(page.locator("#projector-qr")).to_have_attribute("src", join_qr_data_uri(link))
    page.wait_for_timeout(500)  # the dialog's opening animation
    page.screenshot(path=artifacts / "join-qr-projector.png")
    page.keyboard.press("Escape")

    phone = open_page()
    phone.set_viewport_size(PHONE)
    phone.goto(app_url + urlsplit(link).path)  # the QR's link, on this test's address (the LAN one may not route)
    expect(phone.get_by_label("Workshop code")).to_have_value(code)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    phone.screenshot(path=artifacts / "join-phone.png", full_page=True)
    phone.get_by_label("Your name").fill("Phone Pat")
    phone.get_by_role("button", name="Join").click()
    phone.wait_for_url("**/playground")
    expect(phone.locator("#model-select")).to_contain_text(MODEL)

    query = open_page()
    query.goto(f"{app_url}/join?code={code}")
    expect(query.get_by_label("Workshop code")).to_have_value(code)


def test_a_code_typed_while_the_join_page_starts_is_the_code_that_stays(anonymous_page: Page, app_url: str) -> None:
    """The field shows a code this tab remembers once the page connects; typing before that was rewritten
    by it (seen as 'quick-dolphin-21quick-dolphin-21', and the join refused)."""
    page = anonymous_page
    field = page.get_by_label("Workshop code")
    page.goto(f"{app_url}/join/blue-otter-42")  # a link's code: this tab remembers it
    expect(field).to_have_value("blue-otter-42")
    expect(page.locator("#join-button")).to_be_enabled()

    ready_at = time.monotonic() + 2.0  # a slow room network: the page's scripts arrive two seconds late
    page.route(
        re.compile(r"\.js(\?|$)"), lambda route: (time.sleep(max(0.0, ready_at - time.monotonic())), route.continue_())
    )
    page.goto(f"{app_url}/join", wait_until="commit")
    field.fill("quick-dolphin-21")  # at once, as a person who knows the code types it
    expect(page.locator("#join-button")).to_be_enabled(timeout=30_000)
    page.wait_for_timeout(500)  # anything the page's start would still rewrite has arrived by now
    expect(field).to_have_value("quick-dolphin-21")
