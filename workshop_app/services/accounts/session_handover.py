"""Handing a new session to the browser as an HttpOnly cookie.

Sign-in, sign-up and joining run over the page's websocket, which cannot set cookies,
and the page's JavaScript must never hold the session (a script injected into the page
could read it). So the handler seals the new token into a short-lived ticket (encrypted
and authenticated with the app's secret key), the page POSTs the ticket to the server,
and the server's answer sets the cookie (HttpOnly, SameSite=Strict, Secure over HTTPS).
The tab that signed in keeps the token in its server-side state until its next
connection, whose handshake then carries the cookie. An empty token signs out.
"""

from __future__ import annotations

import base64
import hashlib
import json
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken

from workshop_app.services.core.errors import Forbidden, InvalidInput
from workshop_app.settings import Settings, get_settings

COOKIE = "workshop_session"
TICKET_TTL_S = 60
ENDPOINT = "/auth/session"


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"workshop session handover\0" + get_settings().secret().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _checked_origin(origin: str) -> str:
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise InvalidInput("The page's address is not a web address.", hint="Open the app in a browser.")
    return f"{parts.scheme}://{parts.netloc}"


def seal(token: str, origin: str) -> str:
    """A ticket for `token` (empty: sign out) that the server accepts for a minute, from `origin` only."""
    payload = {"token": token, "origin": _checked_origin(origin)}
    return _fernet().encrypt(json.dumps(payload).encode()).decode()


def redeem(ticket: str, request_origin: str | None) -> str:
    """The ticket's token; Forbidden when the ticket is expired, forged, or posted from another site
    (so nobody can sign a visitor into the attacker's account from their own page)."""
    try:
        payload = json.loads(_fernet().decrypt(ticket.encode(), ttl=TICKET_TTL_S))
        token, origin = str(payload["token"]), str(payload["origin"])
    except (InvalidToken, ValueError, TypeError, KeyError):
        raise Forbidden("This sign-in ticket has expired.", hint="Sign in again.") from None
    if request_origin is None or request_origin.rstrip("/") != origin:
        raise Forbidden("This sign-in came from another site.", hint="Sign in on the workshop's own page.")
    return token


def token_from_cookie_header(header: str) -> str:
    """The session token in a `Cookie:` header, or "" (no cookie, or one the browser mangled)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header or "")
    except CookieError:
        return ""
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else ""


def cookie_is_secure(scheme: str, forwarded_proto: str | None, settings: Settings | None = None) -> bool:
    """Secure when the browser talks HTTPS: directly, or to a trusted proxy that says so."""
    settings = settings or get_settings()
    if settings.secure_cookies != "auto":
        return settings.secure_cookies == "always"
    if settings.trusted_proxy_hops and forwarded_proto:
        return forwarded_proto.split(",")[0].strip().lower() == "https"
    return scheme == "https"
