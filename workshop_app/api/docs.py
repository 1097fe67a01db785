"""The interactive API docs (/docs, Swagger UI) and the reference (/redoc), with their scripts served by the app.

FastAPI's defaults load them from a CDN, which leaves both pages blank in a room without
internet; here every file they need comes from docs_assets/ on this server.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/api-docs-assets"
ASSETS_DIR = Path(__file__).parent / "docs_assets"


def install_docs(api: FastAPI) -> None:
    """Mount the assets and answer /docs and /redoc (build the app with docs_url=None, redoc_url=None)."""
    api.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="api-docs-assets")
    api.add_api_route("/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    api.add_api_route("/redoc", redoc, methods=["GET"], include_in_schema=False)


# Module-level, not closures over the app: FastAPI remembers every endpoint function it has seen
# (up to 4,096), so a closure would keep each app built in the process alive with it.


async def swagger_ui(request: Request) -> HTMLResponse:
    api = request.app
    return get_swagger_ui_html(
        openapi_url=api.openapi_url or "/openapi.json",
        title=f"{api.title} · docs",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from validator.swagger.io
    )


async def redoc(request: Request) -> HTMLResponse:
    api = request.app
    return get_redoc_html(
        openapi_url=api.openapi_url or "/openapi.json",
        title=f"{api.title} · reference",
        redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        with_google_fonts=False,
    )
