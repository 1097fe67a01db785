"""Join links attendees' devices can open: a localhost origin becomes the machine's network address."""

from __future__ import annotations

import ipaddress

from workshop_app.services.workshops.join_addresses import join_addresses, lan_addresses


def test_a_localhost_origin_is_replaced_by_the_lan_addresses_with_a_warning() -> None:
    found = join_addresses("http://localhost:3000", ["192.168.1.20", "10.0.0.5"])
    assert found.origins == ["http://192.168.1.20:3000", "http://10.0.0.5:3000"]
    assert found.primary == "http://192.168.1.20:3000"
    assert "only works on this machine" in found.warning
    assert join_addresses("http://127.0.0.1:3000", ["192.168.1.20"]).origins == ["http://192.168.1.20:3000"]


def test_an_origin_others_can_reach_is_kept_as_it_is() -> None:
    assert join_addresses("https://workshop.example.org", ["192.168.1.20"]).origins == ["https://workshop.example.org"]
    assert join_addresses("http://192.168.1.20:3000", []).warning == ""


def test_without_any_network_address_the_warning_says_the_link_only_works_here() -> None:
    found = join_addresses("http://localhost:3000", [])
    assert found.origins == ["http://localhost:3000"]
    assert "no network address attendees could use" in found.warning


def test_the_machines_own_addresses_are_ipv4_and_never_loopback() -> None:
    for address in lan_addresses():
        ip = ipaddress.IPv4Address(address)
        assert not ip.is_loopback and not ip.is_link_local
