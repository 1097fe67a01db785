"""/docs and /redoc render in Chromium with every other host unreachable, as in a room without internet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.support.api_server import api_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def api_url() -> Iterator[str]:
    with api_server() as url:
        yield url


def offline(page: Page, api_url: str) -> list[str]:
    """Let the page reach only the API server; returns the requests it tried elsewhere."""
    elsewhere: list[str] = []
    own_host = urlsplit(api_url).netloc

    def route(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own_host:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", route)
    return elsewhere


def test_swagger_ui_renders_offline(open_page: Callable[[], Page], api_url: str) -> None:
    page = open_page()
    elsewhere = offline(page, api_url)
    page.goto(f"{api_url}/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/models/list")).to_be_visible()
    assert elsewhere == []


def test_redoc_renders_offline(open_page: Callable[[], Page], api_url: str) -> None:
    page = open_page()
    elsewhere = offline(page, api_url)
    page.goto(f"{api_url}/redoc")
    expect(page.get_by_role("heading", name="Ollama Workshop Platform API")).to_be_visible()
    assert elsewhere == []
