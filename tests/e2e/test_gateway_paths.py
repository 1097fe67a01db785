"""In the real app (the API mounted in front of Reflex), gateway paths answer JSON, never the app's HTML page."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", ["/ollama/api/copy", "/ollama/", "/ollama/api/ps", "/v1/completions", "/v1"])
def test_gateway_paths_answer_json_in_the_running_app(app_url: str, path: str) -> None:
    response = httpx.get(f"{app_url}{path}")
    assert response.headers["content-type"].startswith("application/json"), response.text[:200]
    assert "error" in response.json()


def test_the_docs_are_served_by_the_running_app(app_url: str) -> None:
    html = httpx.get(f"{app_url}/docs").text
    assert "/api-docs-assets/swagger-ui-bundle.js" in html
    assert httpx.get(f"{app_url}/api-docs-assets/swagger-ui-bundle.js").status_code == 200
