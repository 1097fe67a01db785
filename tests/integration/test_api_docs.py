"""/docs and /redoc load every script and style sheet from this server, so they work in a room without internet."""

from __future__ import annotations

import gc
import re
import weakref

import pytest
from fastapi.testclient import TestClient

from workshop_app.api import build_api


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_nothing_from_another_host(page: str) -> None:
    client = TestClient(build_api())
    html = client.get(page)
    assert html.status_code == 200
    references = re.findall(r'(?:src|href)="([^"]+)"', html.text)
    assert references, "the page names its scripts"
    assert not [url for url in references if "//" in url], "every script, style and icon comes from this server"
    scripts = [url for url in references if url.endswith(".js")]
    assert scripts
    for url in references:
        asset = client.get(url)
        assert asset.status_code == 200, url
    for url in scripts:
        assert len(client.get(url).content) > 500_000, f"{url} is the whole bundle"


def test_swagger_ui_does_not_fetch_a_validator_badge() -> None:
    """Swagger UI asks validator.swagger.io about any spec not on localhost, as a room's address is."""
    html = TestClient(build_api()).get("/docs").text
    assert '"validatorUrl": null' in html


def test_an_api_that_is_let_go_is_freed() -> None:
    """The docs pages' endpoints once closed over the app, and FastAPI remembers every endpoint it has
    seen: each API built in a process (one per test here) then stayed alive with all its routes."""
    api = build_api()
    assert TestClient(api).get("/docs").status_code == 200
    released = weakref.ref(api)
    del api
    gc.collect()
    assert released() is None
