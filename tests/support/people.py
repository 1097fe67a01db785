"""People in the browser: sign up, sign in and join through the UI, as a person would.

The app under test runs in its own process with its own database, so accounts are
made through the pages (never by writing that database from the test).
"""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass

from playwright.sync_api import Cookie, Page, expect

from workshop_app.services.accounts.session_handover import COOKIE

PASSWORD = "a long enough test password"
_counter = itertools.count()


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    password: str = PASSWORD


def new_person(stem: str = "person") -> Person:
    number = next(_counter)
    return Person(f"{stem}-{number}-{uuid.uuid4().hex[:4]}", f"{stem.title()} {number}")


def register(page: Page, app_url: str, person: Person) -> None:
    """Create the account through the sign-up page; the browser ends up signed in."""
    page.goto(f"{app_url}/register")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Display name").fill(person.display_name)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_label("Repeat the password").fill(person.password)
    expect(page.locator("#register-button")).to_be_enabled()  # the page is connected: Enter goes to the app
    page.get_by_label("Repeat the password").press("Enter")
    page.wait_for_url("**/playground")


def sign_in(page: Page, app_url: str, person: Person, next_path: str = "/playground") -> None:
    """Sign in through the login page (Enter submits) and wait for the page it leads to."""
    page.goto(f"{app_url}/login?next={next_path}")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    expect(page.locator("#sign-in-button")).to_be_enabled()
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"**{next_path}")
    expect(page.locator("#user-menu")).to_contain_text(person.display_name)


def join(page: Page, app_url: str, code: str, name: str) -> None:
    """Join a workshop with its code and a display name, as an attendee does."""
    page.goto(f"{app_url}/join")
    page.get_by_label("Workshop code").fill(code)
    page.get_by_label("Your name").fill(name)
    expect(page.locator("#join-button")).to_be_enabled()
    page.get_by_label("Your name").press("Enter")


def joined(page: Page, app_url: str, code: str, name: str) -> None:
    """Join, and wait until the attendee lands in the playground; a refusal fails with what the form said."""
    join(page, app_url, code, name)
    landed, refused = page.locator("#model-select"), page.locator("#form-error")
    expect(landed.or_(refused)).to_be_visible()
    assert not refused.is_visible(), f"joining {code!r} was refused: {refused.inner_text()}"
    page.wait_for_url("**/playground")


def instructor_made_by_the_admin(admin_page: Page, app_url: str) -> Person:
    """An instructor account the admin creates on the Admin page, with its temporary password."""
    made = new_person("teacher")
    admin_page.goto(f"{app_url}/admin")
    admin_page.locator("#instructor-username").fill(made.username)
    admin_page.locator("#instructor-display-name").fill(made.display_name)
    admin_page.locator("#create-instructor").click()
    password = admin_page.locator("#temporary-password").inner_text().strip()
    admin_page.get_by_role("button", name="Done").click()
    expect(admin_page.locator(".account-row").filter(has_text=made.username)).to_contain_text("instructor")
    return Person(made.username, made.display_name, password)


def open_new_workshop_form(page: Page) -> None:
    """Open the Workshop page's form for a new workshop, as an instructor on that page does.

    The button shows only in the page's instructor view; when it never appears, the failure says what the
    page shows instead and where it is (a sign-in that lost its role, a redirect), not only a timeout."""
    button = page.locator("#new-workshop").or_(page.get_by_role("button", name="New workshop")).first
    try:
        expect(button).to_be_visible()
    except AssertionError:
        shown = " ".join(page.locator("main").inner_text().split())[:300]
        raise AssertionError(f"no New workshop button at {page.url}; the page shows: {shown!r}") from None
    button.click()


def session_cookies(page: Page, *, present: bool, timeout_s: float = 10.0) -> list[Cookie]:
    """The browser's session cookies once there are some (`present`) or none. The page has the server set or
    clear the cookie while it goes on to the next page (the session itself began or ended on the server
    already), so the browser may hold the new cookie a moment after the page has changed."""
    deadline = time.monotonic() + timeout_s
    while True:
        cookies = [cookie for cookie in page.context.cookies() if cookie["name"] == COOKIE]
        if bool(cookies) == present or time.monotonic() > deadline:
            return cookies
        page.wait_for_timeout(50)
