"""The session cookie is the server's: HttpOnly, SameSite=Strict, Secure over HTTPS, set and cleared by one route."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from tests.support.accounts import unique_name
from workshop_app.api import build_api
from workshop_app.services.accounts import auth, session_handover
from workshop_app.services.core.errors import Unauthorized
from workshop_app.settings import Settings

ORIGIN = "http://testserver"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def client(migrated_database: str) -> TestClient:
    return TestClient(build_api(), follow_redirects=False)


def _set_cookie(response) -> str:
    return "; ".join(response.headers.get_list("set-cookie"))


def test_a_ticket_becomes_an_httponly_strict_cookie(client: TestClient) -> None:
    _, token = auth.register(unique_name("cookie"), "Cookie", PASSWORD)
    ticket = session_handover.seal(token, ORIGIN)
    response = client.post(session_handover.ENDPOINT, data={"ticket": ticket}, headers={"Origin": ORIGIN})
    assert response.status_code == 204
    cookie = _set_cookie(response)
    assert f"{session_handover.COOKIE}={token}" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back


def test_the_cookie_is_secure_behind_a_trusted_https_proxy_only() -> None:
    def secure(proto: str | None, **settings: object) -> bool:
        return session_handover.cookie_is_secure("http", proto, Settings(**settings))

    assert secure("https", trusted_proxy_hops=1)
    assert not secure("https")  # anyone can send the header when no proxy is trusted
    assert not secure("http", trusted_proxy_hops=1)
    assert session_handover.cookie_is_secure("https", None, Settings())
    assert secure(None, secure_cookies="always") and not secure("https", trusted_proxy_hops=1, secure_cookies="never")


def test_a_ticket_posted_from_another_site_or_too_late_sets_nothing(client: TestClient) -> None:
    _, token = auth.register(unique_name("csrf"), "Csrf", PASSWORD)
    ticket = session_handover.seal(token, ORIGIN)
    cross = client.post(session_handover.ENDPOINT, data={"ticket": ticket}, headers={"Origin": "https://evil.example"})
    unsaid = client.post(session_handover.ENDPOINT, data={"ticket": ticket})
    payload = json.dumps({"token": token, "origin": ORIGIN}).encode()
    too_old = int(time.time()) - session_handover.TICKET_TTL_S - 5
    stale = session_handover._fernet().encrypt_at_time(payload, too_old).decode()
    late = client.post(session_handover.ENDPOINT, data={"ticket": stale}, headers={"Origin": ORIGIN})
    forged = client.post(session_handover.ENDPOINT, data={"ticket": "not-a-ticket"}, headers={"Origin": ORIGIN})
    for response in (cross, unsaid, late, forged):
        assert response.status_code == 403 and response.json()["message"]
        assert session_handover.COOKIE not in _set_cookie(response)


def test_signing_out_ends_the_session_and_clears_the_cookie(client: TestClient) -> None:
    _, token = auth.register(unique_name("leaver"), "Leaver", PASSWORD)
    ticket = session_handover.seal("", ORIGIN)
    client.cookies.set(session_handover.COOKIE, token)
    response = client.post(session_handover.ENDPOINT, data={"ticket": ticket}, headers={"Origin": ORIGIN})
    assert response.status_code == 204
    assert f'{session_handover.COOKIE}=""' in _set_cookie(response) and "Max-Age=0" in _set_cookie(response)
    auth.actor_cache.forget_session(auth.token_hash(token))
    with pytest.raises(Unauthorized):
        auth.actor_for_session(token)


@pytest.mark.parametrize(
    ("header", "token"),
    [("workshop_session=abc; theme=dark", "abc"), ("theme=dark", ""), ("", ""), ('workshop_session="x;', "")],
)
def test_the_token_is_read_from_the_connection_cookie_header(header: str, token: str) -> None:
    assert session_handover.token_from_cookie_header(header) == token
