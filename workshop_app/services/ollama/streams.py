"""Streamed NDJSON answers (chat, generate, pull) over aiohttp, one connection pool per event loop.

Every token of a reply crosses this path, so it is kept cheap: aiohttp parses HTTP in C and
hands over whatever bytes have arrived (several lines that came together cost one read),
a line is only `json.loads`-ed, and starting a request does not scan the whole pool.
Failures surface as aiohttp's own exceptions, which the client translates. Each request is logged
as the library's HTTP client logs the others (`HTTP Request: POST <url> "HTTP/1.1 200 OK"`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
import urllib.request
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

import aiohttp
import ollama

log = logging.getLogger(__name__)


class StreamSessions:
    """One aiohttp session per event loop for one host (a session's connections belong to its loop)."""

    def __init__(self, url: str, *, connect_timeout: float, read_timeout: float, headers: Mapping[str, str]) -> None:
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout, sock_read=read_timeout)
        self._headers = dict(headers)
        self._proxy = environment_proxy(url)
        self._sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = (
            weakref.WeakKeyDictionary()
        )

    async def session(self) -> aiohttp.ClientSession:
        """This loop's session; those of loops that have ended are closed on the way (quietly: nothing to send)."""
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            for ended in [other for other in self._sessions if other.is_closed()]:
                await self._sessions.pop(ended).close()
            session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers, proxy=self._proxy)
            self._sessions[loop] = session
        return session

    async def aclose(self) -> None:
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.close()


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY), as the library's
    other calls (httpx) pick it.

    Looked up once per host: aiohttp's `trust_env` looks it up, and ~/.netrc too, in a thread for every
    request, two thread hops before each reply's first token (about 2 ms of a 1-user gateway reply here).
    """
    host = urllib.parse.urlsplit(url).hostname or ""
    if urllib.request.proxy_bypass(host):
        return None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(urllib.parse.urlsplit(url).scheme) or proxies.get("all")
    return proxy if proxy is None or "://" in proxy else f"http://{proxy}"


async def posted_lines(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any]
) -> AsyncGenerator[dict[str, Any], None]:
    """POST `body` and yield the answer's NDJSON lines; closing this generator closes the connection.

    An HTTP error status or an `error` line raises the `ollama` library's ResponseError, as its
    own client does, so the platform translates both paths alike.
    """
    async with session.post(url, data=json.dumps(body).encode(), allow_redirects=False) as response:
        version = f"{response.version.major}.{response.version.minor}" if response.version else "1.1"
        log.info('HTTP Request: POST %s "HTTP/%s %d %s"', url, version, response.status, response.reason)
        if not 200 <= response.status < 300:
            raise ollama.ResponseError(await response.text(), response.status)
        lines = ndjson_lines(response.content.iter_any())
        async with aclosing(lines):
            async for part in lines:
                if error := part.get("error"):
                    raise ollama.ResponseError(error)
                yield part


async def ndjson_lines(pieces: AsyncIterator[bytes]) -> AsyncGenerator[dict[str, Any], None]:
    """The JSON objects of an NDJSON body, however its lines fall across the pieces it is read in."""
    pending: list[bytes] = []
    async for piece in pieces:
        pending.append(piece)
        if b"\n" not in piece:
            continue
        *lines, rest = b"".join(pending).split(b"\n")
        pending = [rest] if rest else []
        for line in lines:
            if line.strip():
                yield json.loads(line)
    if pending and (rest := b"".join(pending)).strip():
        yield json.loads(rest)
