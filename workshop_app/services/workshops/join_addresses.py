"""The addresses attendees type to reach this machine, when the instructor browses it at localhost.

`localhost` (or 127.0.0.1) in a join link only works on the machine that shows it; an
attendee's phone needs this machine's address on the room's network. The app listens
on every interface, so each non-loopback IPv4 address of an interface that is up works.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import psutil


@dataclass(frozen=True)
class JoinAddresses:
    """Origins (scheme://host:port) attendees can open, best first.

    `warning` is set when a link would fail on their devices."""

    origins: list[str]
    warning: str = ""

    @property
    def primary(self) -> str:
        return self.origins[0] if self.origins else ""


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback and link-local, of interfaces that are up.

    Private (LAN) addresses come first."""
    stats = psutil.net_if_stats()
    found: list[ipaddress.IPv4Address] = []
    for interface, addresses in psutil.net_if_addrs().items():
        if interface in stats and not stats[interface].isup:
            continue
        for address in addresses:
            if address.family != socket.AF_INET:
                continue
            ip = ipaddress.IPv4Address(address.address)
            if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified) and ip not in found:
                found.append(ip)
    return [str(ip) for ip in sorted(found, key=lambda ip: (not ip.is_private, ip))]


def _only_here(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def join_addresses(origin: str, addresses: list[str] | None = None) -> JoinAddresses:
    """Where attendees reach the app that `origin` (the instructor's browser) shows.

    A loopback origin is swapped for this machine's LAN addresses (`addresses`, by default
    read from the interfaces), keeping scheme and port; with none, the warning says so.
    """
    parts = urlsplit(origin)
    host = parts.hostname or ""
    if not _only_here(host):
        return JoinAddresses([origin])
    found = lan_addresses() if addresses is None else addresses
    port = f":{parts.port}" if parts.port else ""
    origins = [f"{parts.scheme}://{address}{port}" for address in found]
    if not origins:
        return JoinAddresses(
            [origin],
            f"{host} only works on this machine, and it has no network address attendees could use. "
            "Connect it to the room's network (Wi-Fi or cable) and reload this page.",
        )
    return JoinAddresses(
        origins,
        f"You are browsing at {host}, which only works on this machine: attendees open this machine's "
        "network address shown here instead (their device must be on the same network).",
    )
