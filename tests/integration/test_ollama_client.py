"""The Ollama client against the Ollama-speaking fake, over real sockets."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import aclosing
from urllib.parse import urlsplit

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.ports import free_port
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.errors import BackendError, BackendUnavailable, ModelNotFound

CHAT_MODEL = "llama3.2:1b"
HELLO = [{"role": "user", "content": "hello there"}]


def backend(url: str, **kwargs) -> OllamaBackend:
    return OllamaBackend(url, **{"attempts": 3, "backoff_base": 0.05, **kwargs})


async def eventually(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return predicate()


async def test_lists_the_models_with_their_details(fake_ollama: FakeOllama) -> None:
    models = {m.name: m for m in await backend(fake_ollama.url).list_models()}
    assert {"llama3.2:1b", "nomic-embed-text:latest"} <= set(models)
    assert models["llama3.2:1b"].family == "llama"
    assert models["llama3.2:1b"].quantization
    assert models["llama3.2:1b"].size_bytes > 0


async def test_streaming_chat_yields_tokens_then_final_stats(fake_ollama: FakeOllama) -> None:
    fake_ollama.config.reply_tokens = 8
    chunks = [chunk async for chunk in backend(fake_ollama.url).chat_stream(CHAT_MODEL, HELLO)]
    text_chunks = [c for c in chunks if c.content]
    assert len(text_chunks) >= 5, "the reply should arrive in several pieces, not one"
    assert "hello there" in "".join(c.content for c in chunks)
    final = chunks[-1]
    assert final.done and final.stats is not None
    assert final.stats.completion_tokens == 8
    assert final.stats.total_ms > 0
    assert all(not c.done for c in chunks[:-1])


async def test_tokens_arrive_over_time_not_all_at_once(fake_ollama: FakeOllama) -> None:
    fake_ollama.config.token_delay = 0.05
    fake_ollama.config.reply_tokens = 6
    arrivals = []
    async for chunk in backend(fake_ollama.url).chat_stream(CHAT_MODEL, HELLO):
        if chunk.content:
            arrivals.append(time.monotonic())
    assert arrivals[-1] - arrivals[0] >= 0.2


async def test_an_error_line_mid_stream_becomes_a_typed_error(fake_ollama: FakeOllama) -> None:
    fake_ollama.config.fault = "error_mid_stream"
    received = []
    with pytest.raises(BackendError) as caught:
        async for chunk in backend(fake_ollama.url).chat_stream(CHAT_MODEL, HELLO):
            received.append(chunk.content)
    assert received, "tokens before the error are delivered"
    assert fake_ollama.url in caught.value.message


async def test_http_500_becomes_backend_error_without_retry(fake_ollama: FakeOllama) -> None:
    fake_ollama.config.fault = "http_500"
    with pytest.raises(BackendError) as caught:
        await backend(fake_ollama.url).show(CHAT_MODEL)
    assert caught.value.status == 500
    assert fake_ollama.stats.requests.get("/api/show", 0) == 1


async def test_an_unknown_model_is_model_not_found(fake_ollama: FakeOllama) -> None:
    with pytest.raises(ModelNotFound):
        async for _ in backend(fake_ollama.url).chat_stream("no-such-model:7b", HELLO):
            pass


async def test_connection_refused_is_unavailable_after_bounded_retries() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(BackendUnavailable) as caught:
        await backend(url, attempts=3, backoff_base=0.1).list_models()
    elapsed = time.monotonic() - started
    assert "connection refused" in caught.value.message
    assert url in caught.value.hint
    assert 0.2 <= elapsed < 5, "two backoff waits (0.1 s, 0.2 s), then give up"


async def test_a_backend_that_comes_back_during_retries_is_used(fake_ollama: FakeOllama) -> None:
    fake_ollama.refuse_connections()
    threading.Timer(0.3, fake_ollama.accept_connections).start()
    chunks = [c async for c in backend(fake_ollama.url, attempts=6, backoff_base=0.1).chat_stream(CHAT_MODEL, HELLO)]
    assert chunks[-1].done


async def test_a_hanging_backend_times_out_as_unavailable(fake_ollama: FakeOllama) -> None:
    fake_ollama.config.fault = "hang"
    with pytest.raises(BackendUnavailable) as caught:
        async for _ in backend(fake_ollama.url, read_timeout=0.5).chat_stream(CHAT_MODEL, HELLO):
            pass
    assert "timed out" in caught.value.message


async def test_closing_the_stream_stops_generation_on_the_server(fake_ollama: FakeOllama) -> None:
    fake_ollama.config.token_delay = 0.05
    fake_ollama.config.reply_tokens = 200
    async with aclosing(backend(fake_ollama.url).chat_stream(CHAT_MODEL, HELLO)) as stream:
        async for chunk in stream:
            if chunk.content:
                break
    assert await eventually(lambda: fake_ollama.stats.cancelled_streams == 1)
    assert await eventually(lambda: fake_ollama.stats.active_streams == 0)


async def test_embeddings_come_back_one_per_input(fake_ollama: FakeOllama) -> None:
    vectors = await backend(fake_ollama.url).embed("nomic-embed-text", ["a cat", "a dog", "a cow"])
    assert len(vectors) == 3
    assert len({len(v) for v in vectors}) == 1


class ClosesIdleConnections:
    """A host that answers the first request on each connection (keeping it open) and closes the connection
    when a second request arrives on it, unanswered: what a server's idle timeout does when it fires just as
    the client reuses the connection."""

    ANSWER = b'{"model": "nomic-embed-text", "embeddings": [[0.1, 0.2]], "prompt_eval_count": 2}'

    def __init__(self) -> None:
        self.answered = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length")
        )
        await reader.readexactly(length)
        self.answered += 1
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            + b"content-length: %d\r\n\r\n" % len(self.ANSWER)
            + self.ANSWER
        )
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # the next request on this connection: dropped unanswered
        writer.close()


async def test_a_kept_alive_connection_the_host_closed_is_retried_for_a_read_or_an_embedding() -> None:
    host = ClosesIdleConnections()
    server = await asyncio.start_server(host.serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        client = backend(url)
        for _ in range(3):  # each after the first goes out on the connection the host is about to close
            assert await client.embed("nomic-embed-text", ["a cat"]) == [[0.1, 0.2]]
        assert host.answered == 3
        await client.aclose()


async def test_a_streamed_reply_starts_without_handing_work_to_a_thread(
    fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread hop before the first token costs every reply a wake-up of the thread and of the loop again."""
    loop, hops = asyncio.get_running_loop(), []
    run_in_executor = loop.run_in_executor

    def counted(executor, work, *args):  # type: ignore[no-untyped-def]
        hops.append(work)
        return run_in_executor(executor, work, *args)

    monkeypatch.setattr(loop, "run_in_executor", counted)
    client = backend(fake_ollama.url)
    for _ in range(2):
        assert [chunk async for chunk in client.chat_stream(CHAT_MODEL, HELLO)][-1].done
    await client.aclose()
    assert hops == []


class RecordingProxy:
    """A forward HTTP proxy that notes the target of each request it carries to the host."""

    def __init__(self) -> None:
        self.targets: list[str] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, rest = head.split(b"\r\n", 1)
        method, target, version = request_line.split(b" ")
        self.targets.append(target.decode())
        url = urlsplit(target.decode())
        host_reader, host_writer = await asyncio.open_connection(url.hostname, url.port)
        host_writer.write(b" ".join([method, url.path.encode(), version]) + b"\r\n" + rest)
        await asyncio.gather(self._pipe(reader, host_writer), self._pipe(host_reader, writer))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()


@pytest.mark.parametrize("bypassed", [False, True])
async def test_streams_go_through_the_proxy_the_environment_names_unless_the_host_is_exempt(
    fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch, bypassed: bool
) -> None:
    proxy = RecordingProxy()
    server = await asyncio.start_server(proxy.serve, "127.0.0.1", 0)
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1" if bypassed else "")
    async with server:
        client = backend(fake_ollama.url)
        assert [chunk async for chunk in client.chat_stream(CHAT_MODEL, HELLO)][-1].done
        await client.aclose()
    assert proxy.targets == ([] if bypassed else [f"{fake_ollama.url}/api/chat"])
