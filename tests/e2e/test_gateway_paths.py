"""In the real app (the API mounted in front of Reflex), gateway and REST paths answer JSON, never the HTML page."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


UNKNOWN_PATHS = [
    "/ollama/api/copy",
    "/ollama/",
    "/ollama/api/ps",
    "/v1/completions",
    "/v1",
    "/api/v1/no-such-thing",
    "/api/v1",
]


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_gateway_paths_answer_json_in_the_running_app(app_url: str, path: str) -> None:
    response = httpx.get(f"{app_url}{path}")
    assert response.headers["content-type"].startswith("application/json"), response.text[:200]
    assert "error" in response.json()


def test_the_docs_are_served_by_the_running_app(app_url: str) -> None:
    html = httpx.get(f"{app_url}/docs").text
    assert "/api-docs-assets/swagger-ui-bundle.js" in html
    assert httpx.get(f"{app_url}/api-docs-assets/swagger-ui-bundle.js").status_code == 200
