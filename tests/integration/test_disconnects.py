"""A gateway client that leaves frees the host's slot at once, streamed or not, on both APIs (real sockets)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.api_server import api_server
from tests.support.gateway_people import chat_request, key_holder


@pytest.fixture
def gateway(fake_ollama: FakeOllama, migrated_database: str) -> Iterator[str]:
    with api_server() as url:
        yield url


def send_request(base: str, path: str, body: dict, headers: dict[str, str]) -> socket.socket:
    """Send one HTTP request over a raw socket and leave the answer unread."""
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port))
    data = json.dumps(body).encode()
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}Content-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n".encode()
        + data
    )
    return sock


def wait_until(condition, timeout: float = 5.0) -> bool:  # a predicate
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("api", ["ollama", "openai"])
def test_a_client_that_leaves_gives_the_slot_to_the_next_in_line(
    gateway: str, fake_ollama: FakeOllama, api: str, stream: bool
) -> None:
    fake_ollama.config.token_delay = 0.05
    fake_ollama.config.reply_tokens = 400  # 20 s of reply: far longer than the test waits
    leaver, waiter = key_holder(), key_holder()
    path, body = chat_request(api, "a very long answer please", stream=stream)
    sock = send_request(gateway, path, body, leaver.headers)
    assert wait_until(lambda: fake_ollama.stats.active_streams == 1), "the first request should reach Ollama"

    answer: dict[str, httpx.Response | float] = {}

    def ask() -> None:
        next_path, next_body = chat_request(api, "a short one", stream=False, max_tokens=3)
        answer["response"] = httpx.post(f"{gateway}{next_path}", json=next_body, headers=waiter.headers, timeout=30)
        answer["at"] = time.monotonic()

    waiting = threading.Thread(target=ask)
    waiting.start()
    time.sleep(0.5)  # the second request now waits for the host's only slot
    assert fake_ollama.stats.requests.get("/api/chat", 0) == 1
    sock.close()
    left_at = time.monotonic()

    assert wait_until(lambda: fake_ollama.stats.cancelled_streams == 1), "the upstream request should be closed"
    waiting.join(10)
    assert "response" in answer, "the next in line should have been served"
    assert answer["response"].status_code == 200
    assert answer["at"] - left_at < 3, f"the next in line waited {answer['at'] - left_at:.1f} s after the first left"
    assert wait_until(lambda: fake_ollama.stats.active_streams == 0)


def test_a_client_that_leaves_while_queued_never_reaches_ollama(gateway: str, fake_ollama: FakeOllama) -> None:
    fake_ollama.config.token_delay = 0.05
    fake_ollama.config.reply_tokens = 40  # 2 s
    person = key_holder()
    path, body = chat_request("openai", "first", stream=False)

    def post() -> None:
        httpx.post(f"{gateway}{path}", json=body, headers=person.headers, timeout=30)

    first = threading.Thread(target=post)
    first.start()
    assert wait_until(lambda: fake_ollama.stats.active_streams == 1)
    sock = send_request(gateway, *chat_request("openai", "second", stream=False), person.headers)
    time.sleep(0.3)
    sock.close()  # left while waiting behind the first (one request per person at a time)
    first.join(10)
    time.sleep(0.5)
    assert fake_ollama.stats.requests.get("/api/chat", 0) == 1, "the abandoned request should have left the queue"
