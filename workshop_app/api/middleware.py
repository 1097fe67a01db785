"""Request ids and HTTP metrics for everything the server answers over HTTP.

Pure ASGI (not BaseHTTPMiddleware) so streamed responses and the UI's websocket pass
through untouched. The route label is the matched route's template (`/api/v1/models`,
never a URL with ids in it) so the metric's label set stays small.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workshop_app.services.operations.logs import get_logger, request_context
from workshop_app.services.operations.metrics import observe_http_request

REQUEST_ID_HEADER = "x-request-id"
UNMATCHED = "other"
CATCH_ALL = "catch-all"  # the name of a route that answers paths the API does not have: counted as unmatched

log = get_logger(__name__)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        proposed = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        status = 500
        started = time.perf_counter()
        with request_context(proposed) as request_id:

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message["headers"] = [
                        *message.get("headers", []),
                        (REQUEST_ID_HEADER.encode(), request_id.encode()),
                    ]
                await send(message)

            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = _route_template(scope)
                elapsed = time.perf_counter() - started
                observe_http_request(route, scope["method"], status, elapsed)
                if route != UNMATCHED:
                    log.info(
                        "http.request", method=scope["method"], route=route, status=status, ms=round(elapsed * 1000, 1)
                    )


def _route_template(scope: Scope) -> str:
    """The matched route's full template; routers included with a prefix only know their own tail."""
    route = scope.get("route")
    tail = getattr(route, "path_format", None)
    if not tail or getattr(route, "name", None) == CATCH_ALL:
        return UNMATCHED
    try:
        rendered = tail.format(**scope.get("path_params", {}))
    except (KeyError, IndexError, ValueError):
        return tail
    path = scope["path"]
    return path[: len(path) - len(rendered)] + tail if path.endswith(rendered) else tail
