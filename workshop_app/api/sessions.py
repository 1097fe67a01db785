"""Where the page trades a sign-in ticket for the HttpOnly session cookie (see services/accounts/session_handover)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response

from workshop_app.services.accounts import auth, session_handover
from workshop_app.services.core.database_threads import off_loop
from workshop_app.settings import get_settings

router = APIRouter(tags=["sessions"], include_in_schema=False)


@router.post(session_handover.ENDPOINT, status_code=204)
async def hand_over_session(request: Request) -> Response:
    """Set the session cookie, or for a sign-out ticket end the cookie's session and clear it; 403 for a bad ticket."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = session_handover.redeem(form.get("ticket", [""])[0], request.headers.get("origin"))
    response = Response(status_code=204)
    if token:
        settings = get_settings()
        response.set_cookie(
            session_handover.COOKIE,
            token,
            max_age=settings.session_days * 86400,
            path="/",
            httponly=True,
            samesite="strict",
            secure=session_handover.cookie_is_secure(
                request.url.scheme, request.headers.get("x-forwarded-proto"), settings
            ),
        )
    else:
        await off_loop(auth.sign_out, session_handover.token_from_cookie_header(request.headers.get("cookie", "")))
        response.delete_cookie(session_handover.COOKIE, path="/", httponly=True, samesite="strict")
    return response
