"""HTTP tools reach only allow-listed public hosts, never the room's network, within time and size limits.

The tests cannot reach the internet, so they run a small HTTP server on 127.0.0.1 and
give it a made-up host name. Only for the tests that need to reach it, the address
rules are swapped for ones that admit loopback; every refusal test uses the real rules.
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from workshop_app.services.tools.addresses import IpAddress, host_allowed, public_address
from workshop_app.services.tools.errors import ToolFailed
from workshop_app.services.tools.http_tool import HttpPolicy, call

HOST = "tools.test"


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:  # http.server's naming
        self.server.seen.append(self.path)
        route = self.path.split("?")[0]
        if route.startswith("/echo/"):
            self._reply(200, json.dumps({"path": self.path, "host": self.headers["Host"]}))
        elif route == "/big":
            self._reply(200, "x" * 4096)
        elif route == "/big-unannounced":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 4096)
        elif route == "/slow":
            time.sleep(1.0)
            self._reply(200, "late")
        elif route == "/away":
            self._redirect("http://elsewhere.test/steal")
        elif route == "/home":
            self._redirect("/echo/after-redirect")
        elif route == "/broken":
            self._reply(500, "boom")
        else:
            self._reply(404, "no such page")

    def do_POST(self) -> None:
        self.server.seen.append(self.path)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self._reply(200, json.dumps({"path": self.path, "body": json.loads(body)}))

    def _reply(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


class Server(ThreadingHTTPServer):
    seen: list[str]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def seen(server: Server) -> list[str]:
    server.seen.clear()
    return server.seen


def resolving_to(*addresses: str):
    async def resolver(_host: str, _port: int) -> list[IpAddress]:
        return [ipaddress.ip_address(address) for address in addresses]

    return resolver


def to_local_server(**changes: Any) -> HttpPolicy:
    """The test host resolves to the local server, and (for these tests only) loopback is admitted."""
    policy = HttpPolicy(  # a generous timeout: a busy machine is slow, and only the /slow test is about time
        (HOST,), 15.0, 1024, address_allowed=lambda address: address.is_loopback, resolver=resolving_to("127.0.0.1")
    )
    return HttpPolicy(**{**policy.__dict__, **changes})


def get(server: Server, path_template: str) -> dict[str, str]:
    return {"method": "GET", "url": f"http://{HOST}:{server.server_port}{path_template}"}


async def test_an_allowed_host_gets_the_arguments_url_encoded(server: Server, seen: list[str]) -> None:
    text = await call(
        get(server, "/echo/{city}?units={units}"), {"city": "São Paulo/Centro", "units": "a&b=c"}, to_local_server()
    )
    answer = json.loads(text)
    assert answer["path"] == "/echo/S%C3%A3o%20Paulo%2FCentro?units=a%26b%3Dc"
    assert answer["host"] == f"{HOST}:{server.server_port}"  # sent to the checked address, named by its host


async def test_a_post_sends_the_other_arguments_as_json(server: Server, seen: list[str]) -> None:
    config = {"method": "POST", "url": f"http://{HOST}:{server.server_port}/echo/{{city}}"}
    answer = json.loads(await call(config, {"city": "Oslo", "days": 3}, to_local_server()))
    assert answer == {"path": "/echo/Oslo", "body": {"days": 3}}


async def test_a_host_missing_from_the_allowlist_is_never_contacted(server: Server, seen: list[str]) -> None:
    with pytest.raises(ToolFailed, match="tools.test is not on the list of hosts"):
        await call(get(server, "/echo/x"), {}, to_local_server(allowlist=("api.example.com",)))
    assert seen == []


async def test_localhost_is_refused_after_real_name_resolution(server: Server, seen: list[str]) -> None:
    config = {"method": "GET", "url": f"http://localhost:{server.server_port}/echo/x"}
    with pytest.raises(ToolFailed, match=r"localhost resolves to a private or reserved address \((127\.0\.0\.1|::1)\)"):
        await call(config, {}, HttpPolicy(("localhost",), 2.0, 1024))
    assert seen == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.10",
        "100.64.0.1",  # loopback, private, carrier-grade NAT
        "169.254.169.254",  # link-local: cloud metadata
        "224.0.0.251",
        "0.0.0.0",
        "240.0.0.1",  # multicast, unspecified, reserved
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # their IPv6 forms, and IPv4 mapped into IPv6
    ],
)
async def test_an_allowed_name_that_resolves_to_a_private_address_is_refused(
    server: Server, seen: list[str], address: str
) -> None:
    shown = re.escape(str(ipaddress.ip_address(address)))
    with pytest.raises(ToolFailed, match=f"resolves to a private or reserved address \\({shown}\\)"):
        await call(get(server, "/echo/x"), {}, HttpPolicy((HOST,), 2.0, 1024, resolver=resolving_to(address)))
    assert seen == []


async def test_one_private_address_among_public_ones_is_enough_to_refuse(server: Server) -> None:
    with pytest.raises(ToolFailed, match=r"\(10\.1\.2\.3\)"):
        await call(
            get(server, "/echo/x"),
            {},
            HttpPolicy((HOST,), 2.0, 1024, resolver=resolving_to("93.184.216.34", "10.1.2.3")),
        )


def test_public_addresses_pass_the_rules() -> None:
    assert public_address(ipaddress.ip_address("93.184.216.34"))
    assert public_address(ipaddress.ip_address("2606:4700:4700::1111"))


def test_wildcards_cover_subdomains_only() -> None:
    assert host_allowed("api.open-meteo.com", ["*.open-meteo.com"])
    assert not host_allowed("open-meteo.com.evil.org", ["*.open-meteo.com"])
    assert not host_allowed("evilopen-meteo.com", ["*.open-meteo.com"])
    assert host_allowed("API.Example.com.", ["api.example.com"])


async def test_a_redirect_to_another_host_is_refused(server: Server, seen: list[str]) -> None:
    with pytest.raises(ToolFailed, match=r"redirected to another host \(elsewhere.test\)"):
        await call(get(server, "/away"), {}, to_local_server(allowlist=(HOST, "elsewhere.test")))
    assert seen == ["/away"]


async def test_a_redirect_within_the_host_is_followed(server: Server, seen: list[str]) -> None:
    answer = json.loads(await call(get(server, "/home"), {}, to_local_server()))
    assert answer["path"] == "/echo/after-redirect"


@pytest.mark.parametrize("path", ["/big", "/big-unannounced"])
async def test_a_response_over_the_size_cap_is_refused(server: Server, path: str) -> None:
    with pytest.raises(ToolFailed, match="larger than 1 KB"):
        await call(get(server, path), {}, to_local_server(max_bytes=1024))
    assert len(await call(get(server, path), {}, to_local_server(max_bytes=8192))) == 4096


async def test_a_slow_host_runs_into_the_time_limit(server: Server) -> None:
    with pytest.raises(ToolFailed, match="No answer from tools.test within 0.2 s"):
        await call(get(server, "/slow"), {}, to_local_server(timeout_s=0.2))


async def test_an_error_status_is_reported_with_the_start_of_the_body(server: Server) -> None:
    with pytest.raises(ToolFailed, match="tools.test answered HTTP 500: boom"):
        await call(get(server, "/broken"), {}, to_local_server())
