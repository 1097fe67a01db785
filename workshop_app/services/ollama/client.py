"""One Ollama backend, spoken to through the official `ollama` AsyncClient.

Translates the library's exceptions into the platform's typed errors, retries
only what is safe to retry (failures to connect: nothing was sent), and makes
closing a stream close the HTTP request so Ollama frees its slot. Whoever listens
(`on_unavailable`, the health monitor) hears at once when the host refuses a connection
(`refused` True) or drops one.

Streams (chat, generate, pull), whose cost is paid per token, go through services/ollama/streams
(aiohttp, lines only `json.loads`-ed); their request bodies are still built by the library's
models, so what Ollama receives is the same.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import aclosing
from typing import Any, TypeVar

import aiohttp
import httpx
import ollama
from ollama._client import _copy_images, _copy_messages, _copy_tools
from ollama._types import ChatRequest, GenerateRequest
from tenacity import AsyncRetrying, RetryError, retry_if_exception_type, stop_after_attempt, wait_exponential

from workshop_app.services.ollama.errors import BackendBusy, BackendError, BackendUnavailable, ModelNotFound
from workshop_app.services.ollama.streams import StreamSessions, posted_lines
from workshop_app.services.ollama.types import ChatChunk, ChatStats, ModelInfo, PullStep, RunningModel, ServerInfo

T = TypeVar("T")

# Raised before any byte of the request reached Ollama, so a retry cannot duplicate work.
CONNECT_ERRORS = (
    ConnectionError,
    httpx.ConnectError,
    httpx.ConnectTimeout,
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
)
# A kept-alive connection the host closed while idle fails like this before any answer: the
# opening of a stream (nothing received yet) is retried on a fresh connection for it too.
STALE_CONNECTION_ERRORS = (httpx.RemoteProtocolError, aiohttp.ServerDisconnectedError)
# Reads and embeddings change nothing on the host, so a stale connection is retried for them as well.
SAFE_TO_REPEAT = CONNECT_ERRORS + STALE_CONNECTION_ERRORS
# How a connection fails once a request is under way (dropped, cut short, timed out).
TRANSPORT_ERRORS = (httpx.TransportError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)


class OllamaBackend:
    """A client for one Ollama base URL."""

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 300.0,
        attempts: int = 3,
        backoff_base: float = 0.25,
        backoff_max: float = 2.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.on_unavailable: Callable[[str, str, bool], None] | None = None  # (url, reason, refused)
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._attempts = attempts
        self._wait = wait_exponential(multiplier=backoff_base, max=backoff_max)
        # httpx connection pools belong to one event loop; keep one client per loop.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ollama.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )
        headers = ollama.AsyncClient(host=self.url)._client.headers  # the library's (agent, key from the env)
        self._streams = StreamSessions(
            self.url,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            headers={name: value for name, value in headers.items() if name not in ("accept-encoding", "connection")},
        )

    def _client(self) -> ollama.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = ollama.AsyncClient(host=self.url, timeout=self._timeout)
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()
        await self._streams.aclose()

    # -- plumbing ---------------------------------------------------------------

    async def _call(
        self,
        operation: Callable[[ollama.AsyncClient], Awaitable[T]],
        model: str | None = None,
        *,
        attempts: int | None = None,
        retry_on: tuple[type[BaseException], ...] = CONNECT_ERRORS,
    ) -> T:
        """Run one request with connect retries (`attempts` overrides the default) and error translation."""
        try:
            async for attempt in self._retrying(attempts or self._attempts, retry_on):
                with attempt:
                    return await operation(self._client())
        except RetryError as error:
            last = error.last_attempt.exception()
            raise self._unavailable(_reason(last), refused=isinstance(last, CONNECT_ERRORS)) from None
        except Exception as error:
            self._raise_translated(error, model)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retrying(self, attempts: int, retry_on: tuple[type[BaseException], ...]) -> AsyncRetrying:
        return AsyncRetrying(
            retry=retry_if_exception_type(retry_on),
            stop=stop_after_attempt(attempts),
            wait=self._wait,
        )

    def _raise_translated(self, error: Exception, model: str | None) -> None:
        translated = self._translate(error, model)
        if translated is error:
            raise error
        raise translated from error

    def _translate(self, error: Exception, model: str | None) -> Exception:
        if isinstance(error, ollama.ResponseError):
            if error.status_code == 404:
                return ModelNotFound(model or "?", self.url)
            if error.status_code == 503:
                return BackendBusy(f"Ollama at {self.url} is busy: {error.error}")
            status = error.status_code if error.status_code > 0 else None
            return BackendError(self.url, error.error, status)
        if isinstance(error, (*CONNECT_ERRORS, *TRANSPORT_ERRORS)):
            return self._unavailable(_reason(error), refused=isinstance(error, CONNECT_ERRORS))
        return error

    def _unavailable(self, reason: str, *, refused: bool) -> BackendUnavailable:
        if self.on_unavailable is not None:
            self.on_unavailable(self.url, reason, refused)
        return BackendUnavailable(self.url, reason)

    async def _stream(self, path: str, body: dict[str, Any], model: str) -> AsyncGenerator[dict[str, Any], None]:
        """Yield a streamed POST's lines; connect failures (and stale connections) before the first line are retried."""

        async def first_part() -> tuple[AsyncGenerator[dict[str, Any], None], dict[str, Any]]:
            stream = posted_lines(await self._streams.session(), self.url + path, body)
            try:
                return stream, await anext(stream)
            except BaseException:
                await stream.aclose()
                raise

        stream, part = await self._call(lambda _client: first_part(), model, retry_on=SAFE_TO_REPEAT)
        async with aclosing(stream):
            try:
                while True:
                    yield part
                    part = await anext(stream)
            except StopAsyncIteration:
                return
            except (ollama.ResponseError, *TRANSPORT_ERRORS) as error:
                self._raise_translated(error, model)

    # -- the API ------------------------------------------------------------------

    async def version(self) -> str:
        return (await self.server_info()).version

    async def server_info(self, *, attempts: int | None = None) -> ServerInfo:
        """/api/version: which server this is (Ollama or the built-in engine) and, for the engine, its slots."""
        response = await self._call(
            lambda client: client._request_raw("GET", "/api/version"), attempts=attempts, retry_on=SAFE_TO_REPEAT
        )
        answer = response.json()
        slots = answer.get("slots")
        valid_slots = slots if isinstance(slots, int) and not isinstance(slots, bool) and slots > 0 else None
        return ServerInfo(str(answer.get("version") or ""), str(answer.get("engine") or ""), valid_slots)

    async def list_models(self, *, attempts: int | None = None) -> list[ModelInfo]:
        response = await self._call(lambda client: client.list(), attempts=attempts, retry_on=SAFE_TO_REPEAT)
        return [_model_info(entry) for entry in response.models]

    async def loaded_models(self, *, attempts: int | None = None) -> list[RunningModel]:
        """Models in memory (/api/ps), with their memory, VRAM share and expiry."""
        response = await self._call(lambda client: client.ps(), attempts=attempts, retry_on=SAFE_TO_REPEAT)
        return [_running_model(entry) for entry in response.models]

    async def show(self, model: str) -> dict[str, Any]:
        """Everything /api/show says: details, model_info, capabilities, template, license, modelfile."""
        response = await self._call(
            lambda client: client._request_raw("POST", "/api/show", json={"model": model}),
            model,
            retry_on=SAFE_TO_REPEAT,
        )
        return response.json()

    async def pull(self, model: str) -> AsyncGenerator[PullStep, None]:
        """Stream a pull's progress lines. Closing this generator closes the HTTP request (cancel)."""
        parts = self._stream("/api/pull", {"model": model, "insecure": False, "stream": True}, model)
        async with aclosing(parts):
            async for part in parts:
                status, digest = part.get("status") or "", part.get("digest") or ""
                yield PullStep(status, digest, part.get("total") or 0, part.get("completed") or 0)

    async def delete(self, model: str) -> None:
        await self._call(lambda client: client.delete(model), model)

    async def create(
        self,
        model: str,
        base: str,
        *,
        system: str | None = None,
        template: str | None = None,
        parameters: dict[str, Any] | None = None,
        messages: list[dict[str, Any]] | None = None,
    ) -> None:
        """/api/create from an installed base; a missing base is ModelNotFound naming the base."""
        await self._call(
            lambda client: client.create(
                model,
                from_=base,
                system=system or None,
                template=template or None,
                parameters=parameters or None,
                messages=messages or None,
            ),
            base,
        )

    async def copy(self, source: str, destination: str) -> None:
        await self._call(lambda client: client.copy(source, destination), source)

    async def set_residency(self, model: str, keep_alive: float | str, *, embedding: bool = False) -> None:
        """Load (`keep_alive` > 0 or a duration) or unload (`keep_alive` 0) a model without generating.

        Ollama does this for an empty generate request; embedding models, which cannot
        generate, load by embedding one word (an empty embed may answer without loading)
        and unload through an empty one.
        """
        if embedding:
            words = ["load"] if keep_alive != 0 else []
            await self._call(lambda client: client.embed(model=model, input=words, keep_alive=keep_alive), model)
        else:
            await self._call(lambda client: client.generate(model=model, keep_alive=keep_alive), model)

    async def chat_stream(
        self,
        model: str,
        messages: list[dict[str, Any]],
        options: dict[str, Any] | None = None,
        tools: list[dict[str, Any]] | None = None,
        extras: Mapping[str, Any] | None = None,
    ) -> AsyncGenerator[ChatChunk, None]:
        """Stream a reply. Closing this generator closes the HTTP request.

        `extras` are /api/chat's other fields, sent as given: `format`, `think`, `keep_alive`.
        """
        request = ChatRequest(
            model=model,
            messages=list(_copy_messages(messages)),
            tools=list(_copy_tools(tools)),
            stream=True,
            options=options,
            **(extras or {}),
        )
        parts = self._stream("/api/chat", request.model_dump(exclude_none=True), model)
        async with aclosing(parts):
            async for part in parts:
                yield chat_chunk(part)

    async def generate_stream(
        self, model: str, fields: Mapping[str, Any], options: dict[str, Any] | None = None
    ) -> AsyncGenerator[ChatChunk, None]:
        """Stream /api/generate's reply to `fields` (prompt, system, suffix, raw, images, format, think, ...)."""
        given = {**_GENERATE_DEFAULTS, **fields}
        if given.get("images"):
            given["images"] = list(_copy_images(given["images"]))
        request = GenerateRequest(model=model, stream=True, options=options, **given)
        parts = self._stream("/api/generate", request.model_dump(exclude_none=True), model)
        async with aclosing(parts):
            async for part in parts:
                done = bool(part.get("done"))
                stats = ChatStats.from_final(part) if done else None
                yield ChatChunk(part.get("response") or "", done, stats, thinking=part.get("thinking") or "")

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        return (await self.embed_counted(model, texts))[0]

    async def embed_counted(
        self, model: str, texts: list[str], extras: Mapping[str, Any] | None = None
    ) -> tuple[list[list[float]], int]:
        """The vectors and the tokens the host read for them (its `prompt_eval_count`).

        `extras` are /api/embed's other fields (truncate, dimensions, keep_alive), sent as given.
        """
        response = await self._call(
            lambda client: client.embed(model=model, input=texts, **(extras or {})), model, retry_on=SAFE_TO_REPEAT
        )
        return [list(vector) for vector in response.embeddings], response.prompt_eval_count or 0


_GENERATE_DEFAULTS = {"prompt": "", "suffix": "", "system": "", "template": ""}
"""What the library's generate() sends for the fields a caller leaves out."""


def chat_chunk(part: Mapping[str, Any]) -> ChatChunk:
    """One /api/chat line as a ChatChunk; tool calls keep the library's shape ({function: {name, arguments}})."""
    message = part.get("message") or {}
    calls = [_tool_call(call) for call in message.get("tool_calls") or ()]
    done = bool(part.get("done"))
    stats = ChatStats.from_final(part) if done else None
    return ChatChunk(message.get("content") or "", done, stats, calls, message.get("thinking") or "")


def _tool_call(call: Mapping[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    return {"function": {"name": function.get("name") or "", "arguments": function.get("arguments") or {}}}


def _model_info(entry: Any) -> ModelInfo:
    details = entry.details
    return ModelInfo(
        name=entry.model or "",
        size_bytes=entry.size or 0,
        family=(details.family if details else "") or "",
        parameter_size=(details.parameter_size if details else "") or "",
        quantization=(details.quantization_level if details else "") or "",
        digest=entry.digest or "",
        modified_at=entry.modified_at.isoformat() if entry.modified_at else "",
    )


def _running_model(entry: Any) -> RunningModel:
    return RunningModel(
        name=entry.model or entry.name or "",
        size_bytes=entry.size or 0,
        vram_bytes=entry.size_vram or 0,
        expires_at=entry.expires_at.isoformat() if entry.expires_at else "",
        context_length=entry.context_length or 0,
    )


def _reason(error: BaseException | None) -> str:
    if isinstance(error, (ConnectionError, httpx.ConnectError, aiohttp.ClientConnectorError)):
        return "connection refused"
    if isinstance(error, (httpx.TimeoutException, aiohttp.ServerTimeoutError)):
        return "timed out"
    if isinstance(error, TRANSPORT_ERRORS):
        return "the connection was dropped"
    return str(error) or type(error).__name__
