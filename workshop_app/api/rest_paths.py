"""The REST face's answer to a path it does not have.

Registered after every /api/v1 route. The API alone answers an unknown path with its JSON
404, but mounted in front of Reflex an unmatched path falls through to the app's HTML page;
claiming the whole /api/v1 prefix keeps the REST answer there too.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from workshop_app.api.gateway_status import ALL_METHODS
from workshop_app.api.middleware import CATCH_ALL

REST_PREFIX = "/api/v1"

router = APIRouter()


async def _unknown() -> None:
    raise HTTPException(status_code=404)  # the API's own 404: what was asked for, and where the routes are listed


router.add_api_route(REST_PREFIX, _unknown, methods=ALL_METHODS, include_in_schema=False, name=CATCH_ALL)
router.add_api_route(
    REST_PREFIX + "/{rest:path}", _unknown, methods=ALL_METHODS, include_in_schema=False, name=CATCH_ALL
)
