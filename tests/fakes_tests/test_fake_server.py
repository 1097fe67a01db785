"""Checks that the fake Ollama speaks the API the official client expects, and that its knobs work."""

from __future__ import annotations

import asyncio
import json
import math
import socket
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import ollama
import pytest
import pytest_asyncio

from tests.fakes.ollama_server import FakeOllama

pytestmark = pytest.mark.asyncio

CATALOG = {"llama3.2:1b", "qwen2.5:0.5b", "llava:7b", "qwen3:0.6b", "nomic-embed-text:latest"}
HELLO = [{"role": "user", "content": "hello world"}]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOllama]:
    fake = FakeOllama(port=0).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(server: FakeOllama) -> FakeOllama:
    server.reset()
    return server


@pytest_asyncio.fixture
async def client(fake: FakeOllama) -> AsyncIterator[ollama.AsyncClient]:
    client = ollama.AsyncClient(host=fake.url)
    yield client
    await client.close()


async def wait_for(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (math.hypot(*a) * math.hypot(*b))


async def test_root_version_tags_show_shapes(fake: FakeOllama, client: ollama.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=fake.url) as http:
        assert (await http.get("/")).text == "Ollama is running"
        assert (await http.head("/")).status_code == 200
        assert (await http.get("/api/version")).json()["version"]

    models = {m.model: m for m in (await client.list()).models}
    assert set(models) == CATALOG
    llama = models["llama3.2:1b"]
    assert llama.size > 10**9 and len(llama.digest) == 64 and llama.modified_at is not None
    assert llama.details.family == "llama" and llama.details.quantization_level == "Q8_0"

    show = await client.show("llama3.2:1b")
    assert show.capabilities == ["completion", "tools"]
    assert show.modelinfo["general.architecture"] == "llama"
    assert show.modelinfo["llama.context_length"] == 131_072
    assert (await client.show("nomic-embed-text")).capabilities == ["embedding"]
    assert "vision" in (await client.show("llava:7b")).capabilities
    with pytest.raises(ollama.ResponseError) as missing:
        await client.show("nope:1b")
    assert missing.value.status_code == 404


async def test_streaming_chat_yields_tokens_then_done(fake: FakeOllama, client: ollama.AsyncClient) -> None:
    fake.config.first_token_delay = 0.05
    fake.config.reply_tokens = 8
    chunks = [chunk async for chunk in await client.chat("llama3.2:1b", messages=HELLO, stream=True)]

    assert [c.done for c in chunks] == [False] * 8 + [True]
    text = "".join(c.message.content for c in chunks)
    assert text.startswith("Echo: hello world ") and len(text.split()) == 8
    done = chunks[-1]
    assert done.done_reason == "stop" and done.eval_count == 8 and done.prompt_eval_count == 2
    assert done.prompt_eval_duration >= 40_000_000
    assert done.total_duration >= done.prompt_eval_duration + done.eval_duration > 0

    running = (await client.ps()).models
    assert [m.model for m in running] == ["llama3.2:1b"]
    assert running[0].context_length == 4096 and running[0].size_vram > 0 and running[0].expires_at


async def test_the_fake_sends_each_piece_at_once_as_ollama_does(fake: FakeOllama) -> None:
    """Nagle's algorithm is off on the fake's connections, as on Ollama's: with it on, a chat sent right
    after another waits for the client's delayed ACK (about 40 ms) before its first piece, which the
    benchmarks would count as the platform's time."""
    async with httpx.AsyncClient() as client:
        reply = await client.post(f"{fake.url}/api/chat", json={"model": "qwen2.5:0.5b", "messages": HELLO})
        assert reply.status_code == 200
        server = fake._server  # the connection the client keeps alive, as the fake's server holds it
        assert server is not None
        sockets = [connection.transport.get_extra_info("socket") for connection in server.server_state.connections]
        assert sockets and all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in sockets)


@pytest.mark.parametrize("path", ["/api/chat", "/api/generate"])
async def test_a_streamed_answer_starts_with_its_first_piece_as_ollamas_does(fake: FakeOllama, path: str) -> None:
    """Ollama's headers leave with the first piece, so a client that has the headers has a piece to read;
    headers sent while the model thinks would let the direct side of every TTFT comparison read them early."""
    fake.config.first_token_delay = 0.3
    body = {"model": "qwen2.5:0.5b", "messages": HELLO, "prompt": "hello world"}
    async with httpx.AsyncClient() as client:
        loop = asyncio.get_running_loop()
        sent = loop.time()
        async with client.stream("POST", f"{fake.url}{path}", json=body) as reply:
            headers_after = loop.time() - sent
            first_piece = await anext(reply.aiter_lines())
    assert reply.status_code == 200 and json.loads(first_piece)["done"] is False
    assert headers_after >= 0.25, (
        f"the headers came {headers_after * 1000:.0f} ms after the request, before the first piece"
    )


async def test_non_stream_chat_generate_and_num_predict(client: ollama.AsyncClient) -> None:
    reply = await client.chat("qwen2.5:0.5b", messages=HELLO)
    assert reply.done and reply.message.content.startswith("Echo: hello world") and reply.eval_count == 12

    capped = await client.chat("qwen2.5:0.5b", messages=HELLO, options={"num_predict": 3})
    assert capped.message.content == "Echo: hello world " and capped.done_reason == "length"

    chunks = [c async for c in await client.generate("llama3.2:1b", prompt="why is the sky blue", stream=True)]
    assert "".join(c.response for c in chunks).startswith("Echo: why is the sky blue")
    assert chunks[-1].done and chunks[-1].context and chunks[-1].eval_count == 12


async def test_error_mid_stream_raises_after_some_tokens(fake: FakeOllama, client: ollama.AsyncClient) -> None:
    fake.config.fault = "error_mid_stream"
    received = []
    with pytest.raises(ollama.ResponseError, match="unexpected EOF"):
        async for chunk in await client.chat("llama3.2:1b", messages=HELLO, stream=True):
            received.append(chunk)
    assert 0 < len(received) < 12 and not any(c.done for c in received)


async def test_http_500_fault(fake: FakeOllama, client: ollama.AsyncClient) -> None:
    fake.config.fault = "http_500"
    for call in (client.chat("llama3.2:1b", messages=HELLO), client.embed("nomic-embed-text", input="x")):
        with pytest.raises(ollama.ResponseError) as failure:
            await call
        assert failure.value.status_code == 500
    assert (await client.list()).models  # listing still works, as with a crashed runner


async def test_embed_batch_is_deterministic_and_similarity_aware(fake: FakeOllama, client: ollama.AsyncClient) -> None:
    texts = ["the cat sat", "a cat sat down", "quantum flux capacitor"]
    result = await client.embed("nomic-embed-text", input=texts)
    cat, cat_down, quantum = result.embeddings
    assert len(result.embeddings) == 3 and len(cat) == 64
    assert math.isclose(math.hypot(*cat), 1.0)
    assert cosine(cat, cat_down) > cosine(cat, quantum)
    assert (await client.embed("nomic-embed-text", input="the cat sat")).embeddings[0] == cat
    assert (fake.stats.embed_calls, fake.stats.embed_inputs) == (2, 4)

    with pytest.raises(ollama.ResponseError) as not_embedding:
        await client.embed("llama3.2:1b", input="x")
    assert not_embedding.value.status_code == 400 and "does not support embeddings" in str(not_embedding.value)
    with pytest.raises(ollama.ResponseError) as unknown:
        await client.embed("missing-model", input="x")
    assert unknown.value.status_code == 404 and "try pulling it first" in str(unknown.value)


async def test_pull_streams_layer_progress_then_model_is_listed(fake: FakeOllama, client: ollama.AsyncClient) -> None:
    fake.config.pull_line_delay = 0.001
    progress = [p async for p in await client.pull("gemma3:1b", stream=True)]

    assert progress[0].status == "pulling manifest"
    assert [p.status for p in progress[-3:]] == ["verifying sha256 digest", "writing manifest", "success"]
    layers = [p for p in progress if p.digest]
    assert len({p.digest for p in layers}) >= 2 and len({p.total for p in layers}) >= 2
    weights = [p.completed for p in layers if p.digest == layers[0].digest]
    assert len(weights) > 1 and weights == sorted(weights) and weights[-1] == layers[0].total
    assert "gemma3:1b" in {m.model for m in (await client.list()).models}

    with pytest.raises(ollama.ResponseError, match="file does not exist"):
        async for _ in await client.pull("no-such-model", stream=True):
            pass
    fake.config.unknown_pulls_fail = False
    assert (await client.pull("no-such-model")).status == "success"
    assert (await client.show("no-such-model")).capabilities == ["completion"]


async def test_delete(client: ollama.AsyncClient) -> None:
    assert (await client.delete("qwen2.5:0.5b")).status == "success"
    assert "qwen2.5:0.5b" not in {m.model for m in (await client.list()).models}
    with pytest.raises(ollama.ResponseError) as missing:
        await client.delete("qwen2.5:0.5b")
    assert missing.value.status_code == 404


async def test_empty_chat_loads_and_keep_alive_zero_unloads(client: ollama.AsyncClient) -> None:
    assert (await client.chat("llama3.2:1b", messages=[])).done_reason == "load"
    assert [m.model for m in (await client.ps()).models] == ["llama3.2:1b"]

    unloaded = await client.chat("llama3.2:1b", messages=[], keep_alive=0)
    assert unloaded.done and unloaded.done_reason == "unload"
    assert (await client.ps()).models == []

    await client.embed("nomic-embed-text", input="x", keep_alive=0)
    assert (await client.ps()).models == []


async def test_client_disconnect_mid_stream_is_counted(fake: FakeOllama) -> None:
    fake.config.token_delay = 0.05
    async with (
        httpx.AsyncClient(base_url=fake.url) as http,
        http.stream("POST", "/api/chat", json={"model": "llama3.2:1b", "messages": HELLO}) as response,
    ):
        lines = response.aiter_lines()
        await anext(lines)
        await anext(lines)
        assert fake.stats.active_streams == 1
    await wait_for(lambda: fake.stats.cancelled_streams == 1 and fake.stats.active_streams == 0)


async def test_refuse_then_accept_on_same_port(fake: FakeOllama, client: ollama.AsyncClient) -> None:
    url = fake.url
    with pytest.raises(ValueError, match="refuse_connections"):
        fake.config.fault = "refuse"
    fake.refuse_connections()
    assert fake.refusing
    with pytest.raises(ConnectionError):
        await client.list()

    fake.accept_connections()
    assert fake.url == url and not fake.refusing
    assert (await client.list()).models


async def test_hang_never_answers(fake: FakeOllama) -> None:
    fake.config.fault = "hang"
    async with httpx.AsyncClient(base_url=fake.url, timeout=0.2) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/api/tags")


async def test_scripted_tool_call_then_content_then_default(fake: FakeOllama, client: ollama.AsyncClient) -> None:
    call = {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
    fake.script_chat("llama3.2:1b", [{"tool_calls": [call]}, {"content": "It is sunny in Paris."}])

    chunks = [c async for c in await client.chat("llama3.2:1b", messages=HELLO, stream=True)]
    calls = [tc for c in chunks for tc in (c.message.tool_calls or [])]
    assert [(tc.function.name, dict(tc.function.arguments)) for tc in calls] == [("get_weather", {"city": "Paris"})]
    assert "".join(c.message.content for c in chunks) == "" and chunks[-1].done

    scripted = await client.chat("llama3.2:1b", messages=HELLO)
    assert scripted.message.content == "It is sunny in Paris." and not scripted.message.tool_calls
    assert (await client.chat("llama3.2:1b", messages=HELLO)).message.content.startswith("Echo:")


async def test_control_api(fake: FakeOllama) -> None:
    async with httpx.AsyncClient(base_url=fake.url) as http:
        config = (await http.post("/_fake/config", json={"reply_tokens": 4, "token_delay": 0.001})).json()
        assert config["reply_tokens"] == 4 and fake.config.token_delay == 0.001
        assert (await http.post("/_fake/config", json={"fault": "refuse"})).status_code == 400
        assert (await http.post("/_fake/config", json={"bogus": 1})).status_code == 400

        script = {"model": "qwen2.5:0.5b", "responses": [{"content": "scripted"}]}
        assert (await http.post("/_fake/script", json=script)).json()["queued"] == 1
        reply = (
            await http.post("/api/chat", json={"model": "qwen2.5:0.5b", "messages": HELLO, "stream": False})
        ).json()
        assert reply["message"]["content"] == "scripted"
        short = (
            await http.post("/api/chat", json={"model": "qwen2.5:0.5b", "messages": HELLO, "stream": False})
        ).json()
        assert short["eval_count"] == 4

        stats = (await http.get("/_fake/stats")).json()
        assert stats["requests"]["/api/chat"] == 2 and stats["active_streams"] == 0

        assert (await http.post("/_fake/reset")).status_code == 200
        assert fake.config.reply_tokens == 12 and (await http.get("/_fake/stats")).json()["requests"] == {}
