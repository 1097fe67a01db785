"""HTTP tools: a method and a URL template filled from the call's arguments, sent with guard rails.

Guard rails, all enforced on every request (redirects included): the host must be on
the admin's allow-list and resolve only to public addresses (see `addresses`), a
redirect may not leave the host, the whole call has a time limit and the response a
size cap. Environment proxies are ignored, so the checked address is the one reached.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

import httpx

from workshop_app.services.tools.addresses import (
    AddressPolicy,
    IpAddress,
    Resolver,
    checked_address,
    host_allowed,
    public_address,
    resolve,
)
from workshop_app.services.tools.errors import ToolFailed
from workshop_app.services.tools.templates import fill, placeholders
from workshop_app.settings import Settings

METHODS = ("GET", "POST")
MAX_REDIRECTS = 3
ERROR_SNIPPET_CHARS = 200
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class HttpPolicy:
    """What HTTP tools may reach and how much they may take; tests inject the address rules."""

    allowlist: tuple[str, ...]
    timeout_s: float
    max_bytes: int
    address_allowed: AddressPolicy = public_address
    resolver: Resolver = resolve

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpPolicy:
        return cls(tuple(settings.tool_http_allowlist), settings.tool_http_timeout, settings.tool_http_max_bytes)


def config_problems(config: Mapping[str, Any], parameter_names: set[str], allowlist: tuple[str, ...]) -> list[str]:
    """Why an HTTP tool's configuration cannot be saved (empty: it can)."""
    method, template = config.get("method"), config.get("url")
    problems = [] if method in METHODS else [f"The method must be one of {', '.join(METHODS)}."]
    if not isinstance(template, str) or not template.strip():
        return [*problems, "The URL is required, e.g. https://api.example.com/weather?city={city}."]
    target = urlsplit(template)
    if target.scheme not in _DEFAULT_PORTS or not target.netloc:
        problems.append("The URL must start with http:// or https:// and name a host.")
    elif placeholders(target.netloc):
        problems.append("The host part of the URL cannot contain {placeholders}; put them in the path or query.")
    elif "@" in target.netloc:
        problems.append("The URL cannot contain a user name or password.")
    elif not host_allowed(target.hostname or "", allowlist):
        problems.append(f"The host {target.hostname} is not on the list of hosts tools may call.")
    unknown = placeholders(template) - parameter_names
    if unknown:
        problems.append(f"The URL uses {', '.join(sorted(unknown))}, which the parameters do not define.")
    return problems


async def call(config: Mapping[str, Any], arguments: Mapping[str, Any], policy: HttpPolicy) -> str:
    """Send the request and return the response text; ToolFailed says why not."""
    url = fill(config["url"], arguments, encode=lambda text: quote(text, safe=""))
    method = config["method"]
    used = placeholders(config["url"])
    body = {name: value for name, value in arguments.items() if name not in used} if method == "POST" else None
    origin = urlsplit(url).hostname
    try:
        async with asyncio.timeout(policy.timeout_s):
            async with httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=policy.timeout_s) as client:
                for _ in range(MAX_REDIRECTS + 1):
                    text, location = await _send(client, method, url, body, policy)
                    if location is None:
                        return text
                    url, method, body = urljoin(url, location), "GET", None
                    if urlsplit(url).hostname != origin:
                        raise ToolFailed(f"Refused: {origin} redirected to another host ({urlsplit(url).hostname}).")
                raise ToolFailed(f"Refused: more than {MAX_REDIRECTS} redirects.")
    except TimeoutError:
        raise ToolFailed(f"No answer from {origin} within {policy.timeout_s:g} s.") from None
    except httpx.HTTPError as error:
        raise ToolFailed(f"The request to {origin} failed: {error or type(error).__name__}.") from None


async def _send(
    client: httpx.AsyncClient, method: str, url: str, body: dict[str, Any] | None, policy: HttpPolicy
) -> tuple[str, str | None]:
    """One request to the checked address of `url`'s host: (text, None) or ("", redirect location)."""
    target = urlsplit(url)
    host = target.hostname or ""
    if target.scheme not in _DEFAULT_PORTS or not host_allowed(host, policy.allowlist):
        raise ToolFailed(f"Refused: {host or url} is not on the list of hosts tools may call.")
    port = target.port or _DEFAULT_PORTS[target.scheme]
    address = await checked_address(host, port, policy.resolver, policy.address_allowed)
    request = client.build_request(
        method,
        _pinned(target, address, port),
        headers={"Host": target.netloc, "Accept": "application/json, text/plain;q=0.9, */*;q=0.5"},
        json=body,
        extensions={"sni_hostname": host} if target.scheme == "https" else {},
    )
    response = await client.send(request, stream=True)
    try:
        if response.is_redirect:
            return "", response.headers["location"]
        text = await _capped_text(response, policy.max_bytes)
    finally:
        await response.aclose()
    if response.status_code >= 400:
        raise ToolFailed(f"{host} answered HTTP {response.status_code}: {text[:ERROR_SNIPPET_CHARS]}")
    return text, None


def _pinned(target: SplitResult, address: IpAddress, port: int) -> str:
    literal = f"[{address}]" if address.version == 6 else str(address)
    return urlunsplit((target.scheme, f"{literal}:{port}", target.path, target.query, ""))


async def _capped_text(response: httpx.Response, max_bytes: int) -> str:
    too_large = ToolFailed(f"Refused: the response is larger than {max_bytes // 1024} KB.")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    received = bytearray()
    async for chunk in response.aiter_bytes():
        received += chunk
        if len(received) > max_bytes:
            raise too_large
    return received.decode(response.charset_encoding or "utf-8", errors="replace")
