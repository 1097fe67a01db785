"""Which hosts and addresses an HTTP tool may reach (the defence against server-side request forgery).

A tool's URL is written by an attendee, so without these checks it could reach the
instructor's machine (localhost), the room's network (10.x, 192.168.x) or a cloud
metadata service (169.254.169.254). Two gates: the host name must be on the admin's
allow-list, and every address it resolves to must be public. The request is then
sent to the address that was checked, so a second DNS answer cannot swap it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence

from workshop_app.services.tools.errors import ToolFailed

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IpAddress], bool]
Resolver = Callable[[str, int], Awaitable[list[IpAddress]]]


def host_allowed(host: str, allowlist: Sequence[str]) -> bool:
    """`host` is listed, or a subdomain of a listed `*.domain`."""
    host = host.lower().rstrip(".")
    for pattern in allowlist:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


def public_address(address: IpAddress) -> bool:
    """Globally routable unicast: not private, loopback, link-local, multicast, reserved or unspecified."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address `host` resolves to (a literal address resolves to itself)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ToolFailed(f"The host {host} could not be found.") from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


async def checked_address(host: str, port: int, resolver: Resolver, policy: AddressPolicy) -> IpAddress:
    """The address to connect to; ToolFailed if any address of `host` is refused by `policy`."""
    addresses = await resolver(host, port)
    if not addresses:
        raise ToolFailed(f"The host {host} could not be found.")
    refused = [address for address in addresses if not policy(address)]
    if refused:
        raise ToolFailed(
            f"Refused: {host} resolves to a private or reserved address ({refused[0]});"
            f" tools may only call public hosts."
        )
    return addresses[0]
