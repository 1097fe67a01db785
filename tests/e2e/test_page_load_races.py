"""A page's on_load reaches the server after what a quick person (or a password manager) sent first.

The frontend queues the page's load only when the hydrate's answer comes back, behind events typed in
the meantime. These tests send the events in that order over Reflex's own protocol, as a browser on a
slow connection does only by chance.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.people import Person, session_cookies
from tests.support.reflex_tab import ReflexTab, redirects
from tests.support.run_async import run_coroutine
from workshop_app.state.account_forms_state import AccountFormsState

pytestmark = pytest.mark.e2e

FORMS = AccountFormsState.get_full_name()


def sent(updates: list[dict[str, Any]], var: str) -> list[Any]:
    """Every value the updates sent the tab for one of the forms' vars."""
    forms = [update.get("delta", {}).get(FORMS, {}) for update in updates]
    return [fields[f"{var}_rx_state_"] for fields in forms if f"{var}_rx_state_" in fields]


def test_a_sign_in_handled_before_the_login_pages_load_still_leads_where_it_was_asked(
    app_url: str, admin: Person
) -> None:
    login = "/login?next=/workshop"

    async def sign_in_first() -> tuple[list[str], list[str]]:
        tab = ReflexTab(app_url, timeout_s=30)
        try:
            await tab.connect(login)
            form = {"username": admin.username, "password": admin.password}
            signed_in = await tab.handled(f"{FORMS}.sign_in", login, form=form)
            late = await tab.handled(f"{FORMS}.open_login", login)  # the load, queued behind the sign-in
            return redirects(signed_in), redirects(late)
        finally:
            await tab.close()

    signed_in, late = run_coroutine(sign_in_first())
    assert signed_in == ["/workshop"]
    assert late == [], f"the late load sent the person on to {late}, away from the Workshop page"


def test_a_signed_in_visitor_opening_the_login_page_goes_on_to_its_next_page_on_this_site(
    page: Page, app_url: str
) -> None:
    token = session_cookies(page, present=True)[0]["value"]

    async def open_login(path: str) -> list[str]:
        tab = ReflexTab(app_url, token, timeout_s=30)
        try:
            return redirects(await tab.connect(path))
        finally:
            await tab.close()

    assert run_coroutine(open_login("/login?next=/workshop")) == ["/workshop"]
    assert run_coroutine(open_login("/login?next=//elsewhere.example/")) == ["/playground"]


def test_a_late_join_page_load_does_not_put_a_remembered_code_over_the_one_being_typed(app_url: str) -> None:
    async def type_then_load() -> list[Any]:
        tab = ReflexTab(app_url, timeout_s=30)
        try:
            await tab.connect("/join/blue-otter-42")
            await tab.handled(f"{FORMS}.open_join", "/join/blue-otter-42")  # the QR code's link, remembered
            # The person opens /join and types another code; the page's late load arrives before the keystrokes.
            return sent(await tab.handled(f"{FORMS}.open_join", "/join"), "join_code")
        finally:
            await tab.close()

    assert run_coroutine(type_then_load()) == []


def test_a_refusal_of_a_quick_sign_in_stays_next_to_the_form_after_the_late_load(app_url: str) -> None:
    async def refused_then_load() -> tuple[list[Any], list[Any], list[Any]]:
        tab = ReflexTab(app_url, timeout_s=30)
        try:
            await tab.connect("/login")
            form = {"username": "nobody-here", "password": "not the password"}
            refused = await tab.handled(f"{FORMS}.sign_in", "/login", form=form)
            late = await tab.handled(f"{FORMS}.open_login", "/login")  # the load, queued behind the attempt
            elsewhere = await tab.handled(f"{FORMS}.open_login", "/register")  # then on to the sign-up page
            return sent(refused, "error"), sent(late, "error"), sent(elsewhere, "error")
        finally:
            await tab.close()

    refused, late, elsewhere = run_coroutine(refused_then_load())
    assert len(refused) == 1 and "Wrong username or password" in refused[0]
    assert late == [], "the page's late load cleared the refusal the person had just been shown"
    assert elsewhere == [""]  # another page's form starts without it
