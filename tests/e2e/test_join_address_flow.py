"""The join link an instructor shows works on attendees' devices: never a loopback address without a warning."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.support.people import open_new_workshop_form

pytestmark = pytest.mark.e2e


def test_an_instructor_browsing_at_a_loopback_address_gets_a_link_others_can_open(
    admin_page: Page, app_url: str, artifacts: Path
) -> None:
    page = admin_page
    assert ipaddress.ip_address(urlsplit(app_url).hostname or "").is_loopback
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{app_url}/workshop")
    open_new_workshop_form(page)
    page.get_by_label("Title").fill("Join from your phone")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Join from your phone")).to_be_visible()

    warning = page.locator("#join-address-warning")
    expect(warning).to_contain_text("only works on this machine")
    link = page.locator("#join-url").inner_text()
    host = urlsplit(link).hostname or ""
    if "no network address" not in warning.inner_text():
        assert not ipaddress.ip_address(host).is_loopback, link
        assert link.endswith("/join/" + page.locator("#join-code").inner_text().strip())
    page.screenshot(path=artifacts / "join-address-laptop.png")
    page.set_viewport_size({"width": 420, "height": 860})
    page.screenshot(path=artifacts / "join-address-phone.png", full_page=True)
