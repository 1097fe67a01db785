"""Bearer API keys for the REST face.

`require_api_key` runs for every request the app answers, so every `/api/v1` route
needs a valid key even if its router forgets to ask; routes that need to know who
is asking take `CurrentActor`, which reuses the resolved actor. Both are coroutines:
FastAPI runs plain functions in a thread pool, a hop every request would pay before its
first token; the key's check itself leaves the event loop only when it reads the database.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from workshop_app.services.accounts.api_keys import recent_actor_for_api_key
from workshop_app.services.core.errors import Unauthorized
from workshop_app.services.workshops.policy import Actor

API_PREFIX = "/api/v1"

# Documents the scheme in OpenAPI (the "Authorize" button in /docs); parsing is done below.
bearer = HTTPBearer(auto_error=False, scheme_name="APIKey", description="A personal API key from your profile page.")


async def _resolve(request: Request) -> Actor:
    actor = getattr(request.state, "actor", None)
    if actor is not None:
        return actor
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized(
            "This endpoint needs an API key.",
            hint="Create one on your profile page and send it as `Authorization: Bearer <key>`.",
        )
    request.state.actor = await recent_actor_for_api_key(key.strip())
    return request.state.actor


async def require_api_key(request: Request) -> None:
    """App-wide dependency: `/api/v1/...` answers 401 without a valid key; other paths pass."""
    if request.url.path == API_PREFIX or request.url.path.startswith(API_PREFIX + "/"):
        await _resolve(request)


async def current_actor(request: Request, _credentials: Annotated[object, Depends(bearer)]) -> Actor:
    return await _resolve(request)


CurrentActor = Annotated[Actor, Depends(current_actor)]
