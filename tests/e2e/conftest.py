"""Browser fixtures: one app server per session, Debian's Chromium driven by Playwright.

The browser itself is one per session for every tier (tests/conftest.py).
Pages need a signed-in person: `page` is a fresh account per test (isolated from other
tests), `admin_page` is the session's admin (the first account), `anonymous_page` is
nobody, and `open_page` opens further browsers for tests with several people.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.fakes.ollama_server import FakeOllama
from tests.support.app_server import app_server
from tests.support.people import Person, new_person, register, sign_in


@pytest.fixture(scope="session")
def app_url(fake_server: FakeOllama, session_dir: Path, artifacts: Path) -> Iterator[str]:
    with app_server(session_dir / "app-data", fake_server.url, artifacts / "app-server.log") as url:
        yield url


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Open a page in a new browser context (its own cookies: another person); closed after the test."""
    contexts: list[BrowserContext] = []

    def opener() -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def admin(app_url: str, browser: Browser) -> Person:
    """The first account of the session's fresh app, which makes it the admin."""
    person = new_person("admin")
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    register(page, app_url, person)
    context.close()
    return person


@pytest.fixture
def fresh_fake(fake_server: FakeOllama) -> Iterator[FakeOllama]:
    fake_server.reset()
    yield fake_server
    fake_server.accept_connections()
    fake_server.reset()


@pytest.fixture
def anonymous_page(open_page: Callable[[], Page], fresh_fake: FakeOllama) -> Page:
    return open_page()


@pytest.fixture
def page(open_page: Callable[[], Page], app_url: str, admin: Person, fresh_fake: FakeOllama) -> Page:
    """A browser signed in as a new account of its own (an attendee outside any workshop)."""
    page = open_page()
    register(page, app_url, new_person("attendee"))
    return page


@pytest.fixture
def admin_page(open_page: Callable[[], Page], app_url: str, admin: Person, fresh_fake: FakeOllama) -> Page:
    page = open_page()
    sign_in(page, app_url, admin)
    return page
