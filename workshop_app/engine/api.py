"""Ollama's HTTP API over the engine's store and runtime (Starlette, NDJSON streaming).

Shapes, status codes and error texts follow Ollama's contract, so the platform's client, the
official `ollama` library and the gateway treat the engine as one more Ollama host. Extra keys
in /api/version (`engine`, `slots`) let the platform tell the built-in engine apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from workshop_app.engine import options as opts
from workshop_app.engine import tools
from workshop_app.engine.catalog import DEFAULT_MODELS
from workshop_app.engine.gguf_meta import GGUFInfo, InvalidGGUF, read_gguf
from workshop_app.engine.options import BadRequest
from workshop_app.engine.runtime import EngineConfig, Loaded, LoadFailed, Runtime
from workshop_app.engine.store import ModelRecord, ModelStore, StoreError, now_iso

OLLAMA_VERSION = "0.12.3"
ENGINE_NAME = "workshop-builtin"
NDJSON = "application/x-ndjson"
_SHRINK_ATTEMPTS = 8
_DISCONNECT_POLL = 0.2
log = logging.getLogger("workshop.engine")

Handler = Callable[[Request], Awaitable[Response]]


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _line(payload: dict[str, Any]) -> bytes:
    return (json.dumps(payload, separators=(",", ":")) + "\n").encode()


def _engine_version() -> str:
    try:
        return f"xllamacpp {version('xllamacpp')}"
    except PackageNotFoundError:
        return "xllamacpp (not installed)"


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "invalid request body: expected JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid request body: expected a JSON object")
    return body


def _name(body: dict[str, Any], key: str = "model") -> str:
    name = body.get(key) or (body.get("name") if key == "model" else None)
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, f"{key} is required")
    return name


class _NDJSONStream(StreamingResponse):
    """NDJSON lines; when the client leaves, the line source is closed at once (Stop means stop).

    Starlette drops an abandoned body iterator without closing it, leaving the cancellation of the
    sequence to garbage collection; closing it here makes it immediate and certain.
    """

    def __init__(self, lines: AsyncGenerator[dict[str, Any], None]) -> None:
        self.lines = lines
        self.encoded = self._encoded()
        super().__init__(self.encoded, media_type=NDJSON)

    async def _encoded(self) -> AsyncGenerator[bytes, None]:
        async for line in self.lines:
            yield _line(line)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.encoded.aclose()
            await self.lines.aclose()


@dataclass
class _Outcome:
    """What one generation produced, for the done line and for stream:false answers."""

    text: str = ""
    finish: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_ns: int = 0
    eval_ns: int = 0


class Engine:
    """The request handlers; one per server process."""

    def __init__(self, store: ModelStore, config: EngineConfig) -> None:
        self.store = store
        self.config = config
        self.runtime = Runtime(config)
        self._infos: dict[tuple[str, int, int], GGUFInfo] = {}
        self._reported: set[str] = set()

    # -- plumbing -----------------------------------------------------------------------------

    def app(self) -> Starlette:
        api = self._api
        return Starlette(
            routes=[
                Route("/", api(self.root), methods=["GET", "HEAD"]),
                Route("/api/version", api(self.version), methods=["GET", "HEAD"]),
                Route("/api/tags", api(self.tags), methods=["GET", "HEAD"]),
                Route("/api/ps", api(self.ps), methods=["GET"]),
                Route("/api/show", api(self.show), methods=["POST"]),
                Route("/api/pull", api(self.pull), methods=["POST"]),
                Route("/api/delete", api(self.delete), methods=["DELETE"]),
                Route("/api/copy", api(self.copy), methods=["POST"]),
                Route("/api/create", api(self.create), methods=["POST"]),
                Route("/api/chat", api(self.chat), methods=["POST"]),
                Route("/api/generate", api(self.generate), methods=["POST"]),
                Route("/api/embed", api(self.embed), methods=["POST"]),
                Route("/api/embeddings", api(self.embeddings), methods=["POST"]),
            ],
            lifespan=self._lifespan,
        )

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(self.store.install_defaults, DEFAULT_MODELS)
        self.runtime.start()
        try:
            yield
        finally:
            await self.runtime.close()

    def _api(self, handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except (ApiError, StoreError) as error:
                return JSONResponse({"error": error.message}, status_code=error.status)
            except BadRequest as error:
                return JSONResponse({"error": str(error)}, status_code=400)
            except (InvalidGGUF, LoadFailed) as error:
                return JSONResponse({"error": str(error)}, status_code=500)

        return endpoint

    def info(self, record: ModelRecord) -> GGUFInfo:
        """The GGUF facts of a model, read once per file version."""
        try:
            stat = record.path.stat()
        except OSError:
            raise InvalidGGUF(record.path, "the file is missing") from None
        key = (str(record.path), stat.st_size, stat.st_mtime_ns)
        if key not in self._infos:
            self._infos[key] = read_gguf(record.path)
        return self._infos[key]

    def _usable(self) -> Iterator[tuple[ModelRecord, GGUFInfo]]:
        for record in self.store.list():
            try:
                yield record, self.info(record)
            except InvalidGGUF as error:
                if str(record.path) not in self._reported:
                    self._reported.add(str(record.path))
                    log.warning("skipping model %s: %s", record.name, error)

    def resolve(self, name: str, capability: str | None = None, action: str = "") -> tuple[ModelRecord, GGUFInfo]:
        record = self.store.get(name)
        if record is None:
            raise ApiError(404, f'model "{name}" not found, try pulling it first')
        info = self.info(record)
        if capability is not None and capability not in _capabilities(info):
            raise ApiError(400, f'"{name}" does not support {action}')
        return record, info

    def num_ctx(self, info: GGUFInfo, options: dict[str, Any]) -> int:
        wanted = options.get("num_ctx") or self.config.context
        return max(64, min(int(wanted), info.context_length))

    # -- simple endpoints ---------------------------------------------------------------------

    async def root(self, request: Request) -> Response:
        return PlainTextResponse("Ollama is running")

    async def version(self, request: Request) -> Response:
        return JSONResponse(
            {
                "version": OLLAMA_VERSION,
                "engine": ENGINE_NAME,
                "engine_version": _engine_version(),
                "slots": self.config.slots,
            }
        )

    async def tags(self, request: Request) -> Response:
        models = await asyncio.to_thread(lambda: list(self._usable()))
        return JSONResponse({"models": [_tags_entry(record, info) for record, info in models]})

    async def ps(self, request: Request) -> Response:
        return JSONResponse({"models": [_ps_entry(loaded) for loaded in self.runtime.running()]})

    async def show(self, request: Request) -> Response:
        name = _name(await _body(request))
        record = self.store.get(name)
        if record is None:
            raise ApiError(404, f"model '{name}' not found")
        return JSONResponse(_show_entry(record, self.info(record)))

    async def delete(self, request: Request) -> Response:
        name = _name(await _body(request))
        record = self.store.get(name)
        if record is None:
            raise ApiError(404, f"model '{name}' not found")
        await self.runtime.unload(record.name)
        await asyncio.to_thread(self.store.delete, name)
        return Response(status_code=200)

    async def copy(self, request: Request) -> Response:
        body = await _body(request)
        await asyncio.to_thread(self.store.copy, _name(body, "source"), _name(body, "destination"))
        return Response(status_code=200)

    async def create(self, request: Request) -> Response:
        body = await _body(request)
        name = _name(body)
        source = body.get("from")
        if not isinstance(source, str) or not source:
            raise ApiError(400, "neither 'from' or 'files' was specified")
        base = self.store.get(source)
        if base is None:
            raise ApiError(404, f"model '{source}' not found")
        parameters = body.get("parameters") or {}
        opts.sampling(parameters)
        for key in ("system", "template"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise ApiError(400, f"invalid {key}: expected a string")
        messages = _example_messages(body.get("messages"))
        self.info(base)
        record = await asyncio.to_thread(
            self.store.create, name, base, body.get("system"), body.get("template"), parameters, messages
        )
        await self.runtime.unload(record.name)
        lines = [
            {"status": f"using existing layer {record.path.name.replace('-', ':', 1)}"},
            {"status": "writing manifest"},
            {"status": "success"},
        ]
        if body.get("stream", True) is False:
            return JSONResponse(lines[-1])
        return StreamingResponse(iter([_line(line) for line in lines]), media_type=NDJSON)

    # -- pull ---------------------------------------------------------------------------------

    async def pull(self, request: Request) -> Response:
        body = await _body(request)
        name = _name(body)
        steps = self.store.pull(name)
        if body.get("stream", True) is False:
            await asyncio.to_thread(lambda: [None for _ in steps])
            return JSONResponse({"status": "success"})
        return _NDJSONStream(self._pull_lines(steps))

    async def _pull_lines(self, steps: Iterator[dict[str, Any]]) -> AsyncGenerator[dict[str, Any], None]:
        while True:
            try:
                line = await asyncio.to_thread(next, steps, None)
            except StoreError as error:
                yield {"error": error.message}
                return
            if line is None:
                return
            yield line

    # -- generation ---------------------------------------------------------------------------

    async def chat(self, request: Request) -> Response:
        started = time.perf_counter_ns()
        body = await _body(request)
        name = _name(body)
        record, info = self.resolve(name, "completion", "chat")
        keep_alive = opts.keep_alive_seconds(body.get("keep_alive"))
        options = {**record.parameters, **(body.get("options") or {})}
        sampling = opts.sampling(options)
        messages = body.get("messages") or []
        if not isinstance(messages, list):
            raise BadRequest("invalid messages: expected a list")
        _require_capabilities(name, body, [m.get("images") for m in messages if isinstance(m, dict)])
        empty = {"message": {"role": "assistant", "content": ""}}
        if not messages:
            return await self._load_only(name, record, info, options, keep_alive, empty)
        offered = body.get("tools") or None
        teaching = bool(offered) and options.get("tool_choice") == "required"
        last_role = messages[-1].get("role") if isinstance(messages[-1], dict) else None
        forced = teaching and last_role == "user"
        answering = teaching and last_role == "tool"
        # Teaching mode after a tool result: the tools leave the prompt so the model answers (ends the loop).
        shown_tools = None if answering else offered
        call = {
            "messages": tools.render([*record.messages, *messages], shown_tools, record.system),
            **sampling,
            **opts.response_format(body.get("format")),
        }
        if forced:
            call["json_schema"] = tools.forced_call_schema(offered)
        elif answering and "json_schema" not in call:
            call["grammar"] = tools.WORDS_ONLY  # a tiny model imitates the call it sees in the history
        run = _Run(self, name, record, info, options, keep_alive, started, "handle_chat_completions", call)
        return await run.respond(
            request, body.get("stream", True) is not False, chat=True, offered=shown_tools, forced=forced
        )

    async def generate(self, request: Request) -> Response:
        started = time.perf_counter_ns()
        body = await _body(request)
        name = _name(body)
        record, info = self.resolve(name, "completion", "generate")
        keep_alive = opts.keep_alive_seconds(body.get("keep_alive"))
        options = {**record.parameters, **(body.get("options") or {})}
        sampling = opts.sampling(options)
        prompt = body.get("prompt") or ""
        if not isinstance(prompt, str):
            raise BadRequest("invalid prompt: expected a string")
        if body.get("suffix"):  # no engine model has a fill-in-the-middle template
            raise ApiError(400, f'"{name}" does not support insert')
        _require_capabilities(name, body, [body.get("images")])
        if not prompt:
            return await self._load_only(name, record, info, options, keep_alive, {"response": ""})
        call: dict[str, Any]  # the llama.cpp request: a prompt or messages, then the sampling options
        if body.get("raw"):
            method, call = "handle_completions", {"prompt": prompt}
        else:
            system = body.get("system") if isinstance(body.get("system"), str) else record.system
            messages = [{"role": "system", "content": system}] if system else []
            messages.append({"role": "user", "content": prompt})
            method, call = "handle_chat_completions", {"messages": messages}
        call.update(sampling)
        call.update(opts.response_format(body.get("format")))
        run = _Run(self, name, record, info, options, keep_alive, started, method, call)
        return await run.respond(request, body.get("stream", True) is not False, chat=False)

    async def _load_only(
        self,
        name: str,
        record: ModelRecord,
        info: GGUFInfo,
        options: dict[str, Any],
        keep_alive: float | None,
        empty: dict[str, Any],
    ) -> Response:
        """Ollama's empty chat/generate: load the model, or unload it when keep_alive is 0."""
        if keep_alive == 0:
            await self.runtime.unload(record.name)
            reason = "unload"
        else:
            loaded, _ = await self.runtime.acquire(record, info, self.num_ctx(info, options))
            self.runtime.release(loaded, keep_alive)
            reason = "load"
        return JSONResponse({"model": name, "created_at": now_iso(), **empty, "done": True, "done_reason": reason})

    # -- embeddings ---------------------------------------------------------------------------

    async def embed(self, request: Request) -> Response:
        started = time.perf_counter_ns()
        body = await _body(request)
        name = _name(body)
        raw = body.get("input", [])
        inputs = [raw] if isinstance(raw, str) else raw
        if not isinstance(inputs, list) or not all(isinstance(text, str) for text in inputs):
            raise BadRequest("invalid input type: expected a string or a list of strings")
        record, info = self.resolve(name, "embedding", "embeddings")
        dimensions = body.get("dimensions")
        if dimensions is not None and (not isinstance(dimensions, int) or not 0 < dimensions <= info.embedding_length):
            raise BadRequest(f"invalid dimensions: must be between 1 and {info.embedding_length}")
        keep_alive = opts.keep_alive_seconds(body.get("keep_alive"))
        options = body.get("options") or {}
        opts.sampling(options)
        vectors, tokens, load_seconds = await self._vectors(
            record, info, options, keep_alive, inputs, body.get("truncate", True) is not False
        )
        if dimensions:
            vectors = [_normalized(vector[:dimensions]) for vector in vectors]
        return JSONResponse(
            {
                "model": name,
                "embeddings": vectors,
                "total_duration": time.perf_counter_ns() - started,
                "load_duration": int(load_seconds * 1e9),
                "prompt_eval_count": tokens,
            }
        )

    async def embeddings(self, request: Request) -> Response:
        """The legacy single-text endpoint."""
        body = await _body(request)
        name = _name(body)
        prompt = body.get("prompt", "")
        if not isinstance(prompt, str):
            raise BadRequest("invalid prompt: expected a string")
        record, info = self.resolve(name, "embedding", "embeddings")
        keep_alive = opts.keep_alive_seconds(body.get("keep_alive"))
        if not prompt:
            return JSONResponse({"embedding": []})
        vectors, _, _ = await self._vectors(record, info, body.get("options") or {}, keep_alive, [prompt], True)
        return JSONResponse({"embedding": vectors[0]})

    async def _vectors(
        self,
        record: ModelRecord,
        info: GGUFInfo,
        options: dict[str, Any],
        keep_alive: float | None,
        inputs: list[str],
        truncate: bool,
    ) -> tuple[list[list[float]], int, float]:
        if not inputs:
            return [], 0, 0.0
        loaded, load_seconds = await self.runtime.acquire(record, info, self.num_ctx(info, options))
        try:
            result = await self.runtime.call(loaded, "handle_embeddings", {"input": inputs})
            if "error" in result and "too large" in str(result["error"].get("message", "")):
                inputs = await _fit(loaded, inputs, truncate)
                result = await self.runtime.call(loaded, "handle_embeddings", {"input": inputs})
            if "error" in result:
                raise ApiError(int(result["error"].get("code", 500)), str(result["error"].get("message")))
        finally:
            self.runtime.release(loaded, keep_alive)
        data = sorted(result["data"], key=lambda item: item["index"])
        return [item["embedding"] for item in data], int(result.get("usage", {}).get("prompt_tokens", 0)), load_seconds


async def _fit(loaded: Loaded, inputs: list[str], truncate: bool) -> list[str]:
    """Cut inputs longer than the context (Ollama's default), or refuse with 400 when truncate is false."""
    limit = loaded.num_ctx - 2  # room for [CLS] and [SEP]
    fitted = []
    async with httpx.AsyncClient(base_url=loaded.server.listening_address, timeout=60) as client:
        for text in inputs:
            ids = (await client.post("/tokenize", json={"content": text})).json()["tokens"]
            if len(ids) <= limit:
                fitted.append(text)
                continue
            if not truncate:
                raise ApiError(400, "the input length exceeds the context length")
            fitted.append((await client.post("/detokenize", json={"tokens": ids[:limit]})).json()["content"])
    return fitted


def _normalized(vector: list[float]) -> list[float]:
    norm = sum(value * value for value in vector) ** 0.5 or 1.0
    return [value / norm for value in vector]


class _Run:
    """One chat or generate request against a loaded model: streaming, truncation, the done line."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        record: ModelRecord,
        info: GGUFInfo,
        options: dict[str, Any],
        keep_alive: float | None,
        started: int,
        method: str,
        call: dict[str, Any],
    ) -> None:
        self.engine, self.name, self.record, self.info = engine, name, record, info
        self.options, self.keep_alive, self.started = options, keep_alive, started
        self.method, self.call = method, {**call, "stream_options": {"include_usage": True}}
        self.outcome = _Outcome()
        self.load_seconds = 0.0

    async def respond(
        self, request: Request, stream: bool, *, chat: bool, offered: Any = None, forced: bool = False
    ) -> Response:
        runtime = self.engine.runtime
        num_ctx = self.engine.num_ctx(self.info, self.options)
        loaded, self.load_seconds = await runtime.acquire(self.record, self.info, num_ctx)
        pieces = self._pieces(loaded)
        try:
            first = await anext(pieces, None)
        except ApiError:
            await pieces.aclose()
            runtime.release(loaded, self.keep_alive)
            raise
        lines = self._lines(first, pieces, chat, offered, forced)

        async def guarded() -> AsyncGenerator[dict[str, Any], None]:
            try:
                async for line in lines:
                    yield line
            except ApiError as error:
                yield {"error": error.message}
            finally:
                await pieces.aclose()
                runtime.release(loaded, self.keep_alive)

        if stream:
            return _NDJSONStream(guarded())
        return await self._whole(request, guarded(), chat)

    async def _whole(self, request: Request, lines: AsyncGenerator[dict[str, Any], None], chat: bool) -> Response:
        """stream:false: one JSON answer; a client that leaves still stops the generation."""
        collected: list[dict[str, Any]] = []

        async def gather() -> None:
            async for line in lines:
                collected.append(line)

        task = asyncio.ensure_future(gather())
        while not task.done():
            await asyncio.wait({task}, timeout=_DISCONNECT_POLL)
            if not task.done() and await request.is_disconnected():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                await lines.aclose()
                return Response(status_code=499)
        task.result()
        if collected and "error" in collected[-1]:
            return JSONResponse(collected[-1], status_code=500)
        done = collected[-1]
        if chat:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": "".join(line["message"]["content"] for line in collected[:-1]),
            }
            calls = [call for line in collected for call in line.get("message", {}).get("tool_calls", [])]
            if calls:
                message["tool_calls"] = calls
            done["message"] = message
        else:
            done["response"] = "".join(line["response"] for line in collected[:-1])
        return JSONResponse(done)

    async def _pieces(self, loaded: Loaded) -> AsyncGenerator[str, None]:
        """The reply's text pieces; the outcome fills in as they come. Over-long prompts are cut."""
        call = self.call
        for attempt in range(_SHRINK_ATTEMPTS):
            produced, retry = False, False
            async with contextlib.aclosing(self.engine.runtime.stream(loaded, self.method, call)) as chunks:
                async for chunk in chunks:
                    if "error" in chunk:
                        error = chunk["error"]
                        if (
                            not produced
                            and error.get("type") == "exceed_context_size_error"
                            and attempt + 1 < _SHRINK_ATTEMPTS
                        ):
                            call, retry = _shrink(call, int(error["n_prompt_tokens"]), int(error["n_ctx"])), True
                            break
                        status = int(error.get("code", 500))
                        raise ApiError(status if status in (400, 404) else 500, str(error.get("message", "error")))
                    self._account(chunk)
                    choices = chunk.get("choices") or []
                    text = ""
                    if choices:
                        choice = choices[0]
                        text = (choice.get("delta") or {}).get("content") or choice.get("text") or ""
                    if text:
                        produced = True
                        self.outcome.text += text
                        yield text
            if not retry:
                return

    def _account(self, chunk: dict[str, Any]) -> None:
        outcome = self.outcome
        for choice in chunk.get("choices") or []:
            if choice.get("finish_reason"):
                outcome.finish = "length" if choice["finish_reason"] == "length" else "stop"
        usage, timings = chunk.get("usage"), chunk.get("timings") or {}
        if usage:
            outcome.prompt_tokens = int(usage.get("prompt_tokens", 0))
            outcome.completion_tokens = int(usage.get("completion_tokens", 0))
            outcome.prompt_ns = int(float(timings.get("prompt_ms", 0)) * 1e6)
            outcome.eval_ns = int(float(timings.get("predicted_ms", 0)) * 1e6)

    async def _lines(
        self, first: str | None, pieces: AsyncIterator[str], chat: bool, offered: Any, forced: bool
    ) -> AsyncIterator[dict[str, Any]]:
        async def texts() -> AsyncIterator[str]:
            if first is not None:
                yield first
                async for piece in pieces:
                    yield piece

        def line(text: str, **extra: Any) -> dict[str, Any]:
            body = {"message": {"role": "assistant", "content": text, **extra}} if chat else {"response": text}
            return {"model": self.name, "created_at": now_iso(), **body, "done": False}

        whole, shown, hidden = "", 0, forced
        async for text in texts():
            whole += text
            if hidden:
                continue
            if offered and tools.OPEN in whole[shown:]:
                hidden = True
                visible = whole[shown:].split(tools.OPEN, 1)[0]
            else:
                visible = whole[shown : len(whole) - (tools.held_back(whole[shown:]) if offered else 0)]
            if visible:
                shown += len(visible)
                yield line(visible)
        calls = tools.parse(whole, offered, forced)[1] if offered else []
        if calls:
            yield line("", tool_calls=calls)
        elif whole[shown:]:
            yield line(whole[shown:])
        yield self._done(chat)

    def _done(self, chat: bool) -> dict[str, Any]:
        outcome = self.outcome
        final: dict[str, Any] = {"message": {"role": "assistant", "content": ""}} if chat else {"response": ""}
        return {
            "model": self.name,
            "created_at": now_iso(),
            **final,
            "done": True,
            "done_reason": outcome.finish,
            "total_duration": time.perf_counter_ns() - self.started,
            "load_duration": int(self.load_seconds * 1e9),
            "prompt_eval_count": outcome.prompt_tokens,
            "prompt_eval_duration": outcome.prompt_ns,
            "eval_count": outcome.completion_tokens,
            "eval_duration": outcome.eval_ns,
        }


def _shrink(call: dict[str, Any], prompt_tokens: int, context: int) -> dict[str, Any]:
    """Ollama keeps the system prompt and the latest turns: drop the oldest turn, else cut the text."""
    keep_ratio = max(0.05, context / prompt_tokens * 0.85)
    if "prompt" in call:
        prompt = call["prompt"]
        return {**call, "prompt": prompt[len(prompt) - int(len(prompt) * keep_ratio) :]}
    messages = list(call["messages"])
    first = 1 if messages and messages[0]["role"] == "system" else 0
    if len(messages) - first > 1:
        del messages[first]
    else:
        target = messages[-1] if len(messages) - first == 1 else messages[0]
        content = target["content"]
        kept = content[len(content) - int(len(content) * keep_ratio) :]
        messages[messages.index(target)] = {**target, "content": kept}
    return {**call, "messages": messages}


def _require_capabilities(name: str, body: dict[str, Any], images: list[Any]) -> None:
    """The engine runs no thinking or vision model: `think` or images are refused as Ollama refuses them."""
    think = body.get("think")
    if think is True or think in ("low", "medium", "high"):
        raise ApiError(400, f'"{name}" does not support thinking')
    if any(images):
        raise ApiError(400, f'"{name}" does not support vision')


def _capabilities(info: GGUFInfo) -> list[str]:
    return ["embedding"] if info.is_embedding else ["completion", "tools"]


def _details(record: ModelRecord, info: GGUFInfo) -> dict[str, Any]:
    return {
        "parent_model": record.parent,
        "format": "gguf",
        "family": info.architecture,
        "families": [info.architecture],
        "parameter_size": info.parameter_size,
        "quantization_level": info.file_type,
    }


def _tags_entry(record: ModelRecord, info: GGUFInfo) -> dict[str, Any]:
    return {
        "name": record.name,
        "model": record.name,
        "modified_at": record.modified_at,
        "size": info.size,
        "digest": record.digest,
        "details": _details(record, info),
    }


def _ps_entry(loaded: Loaded) -> dict[str, Any]:
    return {
        "name": loaded.name,
        "model": loaded.name,
        "size": loaded.size,
        "digest": loaded.record.digest,
        "details": _details(loaded.record, loaded.info),
        "expires_at": loaded.expires_iso(),
        "size_vram": 0,
        "context_length": loaded.num_ctx,
    }


def _show_entry(record: ModelRecord, info: GGUFInfo) -> dict[str, Any]:
    model_info = {
        key: value
        for key, value in info.metadata.items()
        if not key.startswith("tokenizer.") and (value is None or isinstance(value, (str, int, float, bool)))
    }
    model_info["general.parameter_count"] = info.parameter_count
    template = record.template or info.chat_template
    parameters = "\n".join(
        f"{key:<30} {json.dumps(item) if isinstance(item, str) else item}"
        for key, value in record.parameters.items()
        for item in (value if isinstance(value, list) else [value])
    )
    modelfile = [f"FROM {record.path}"]
    if template:
        modelfile.append(f'TEMPLATE """{template}"""')
    if record.system:
        modelfile.append(f'SYSTEM """{record.system}"""')
    modelfile += [f"PARAMETER {line}" for line in parameters.splitlines()]
    modelfile += [f'MESSAGE {m["role"]} """{m["content"]}"""' for m in record.messages]
    entry: dict[str, Any] = {
        "license": "",
        "modelfile": "\n".join(modelfile) + "\n",
        "parameters": parameters,
        "template": template,
        "details": _details(record, info),
        "model_info": model_info,
        "capabilities": _capabilities(info),
        "modified_at": record.modified_at,
    }
    if record.system:
        entry["system"] = record.system
    if record.messages:
        entry["messages"] = [dict(message) for message in record.messages]
    return entry


def _example_messages(messages: Any) -> list[dict[str, Any]] | None:
    """/api/create's few-shot messages: role and text each, as Ollama's MESSAGE lines; None keeps the base's."""
    if messages is None:
        return None
    if not isinstance(messages, list):
        raise ApiError(400, "invalid messages: expected a list")
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ("system", "user", "assistant"):
            raise ApiError(400, "invalid message: each needs a role of system, user or assistant")
        if not isinstance(message.get("content", ""), str):
            raise ApiError(400, "invalid message content: expected a string")
    return [{"role": message["role"], "content": message.get("content", "")} for message in messages]
