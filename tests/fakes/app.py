"""Starlette app speaking Ollama's REST API (docs/api.md), plus /_fake/* control endpoints.

Shapes, status codes and error strings follow real Ollama closely enough that the official
``ollama`` client works unchanged, including NDJSON streaming, errors sent as a JSON line
inside a 200 stream, and load/unload via empty requests with ``keep_alive``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from time import monotonic, perf_counter_ns
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Send

from workshop_app.engine.options import BadRequest, response_format, sampling

from .catalog import REGISTRY, ModelSpec, normalize_name, synthetic_spec
from .embeddings import embed_words, normalize, words
from .replies import (
    context_ids,
    count_tokens,
    echo_tokens,
    json_reply,
    schema_instance,
    split_tokens,
    thinking_tokens,
)
from .state import DEFAULT_KEEP_ALIVE, FakeState, parse_keep_alive

VERSION = "0.12.3"
NDJSON = "application/x-ndjson"
ERROR_AFTER_TOKENS = 3
PULL_ERROR_AFTER_LINES = 3
HTTP_500_ERROR = "llama runner process has terminated: exit status 2"
MID_STREAM_ERROR = "an error was encountered while running the model: unexpected EOF"
PULL_MID_STREAM_ERROR = "max retries exceeded: unexpected EOF"
PULL_NOT_FOUND = "pull model manifest: file does not exist"
_POLL_SECONDS = 0.05

Handler = Callable[[Request], Awaitable[Response]]


class ApiError(Exception):
    """An Ollama-style error answer: HTTP status plus {"error": message}."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ServerHalted(Exception):
    """Raised in handlers while the fake stops, so uvicorn drops connections like a dying Ollama."""


@dataclass
class _Run:
    """One chat/generate completion: what to emit and what to report in the final stats."""

    model: str
    spec: ModelSpec
    keep_alive: float | None
    pieces: list[dict[str, Any]]
    whole: dict[str, Any]
    final: dict[str, Any]
    prompt_tokens: int
    done_reason: str
    started_ns: int
    load_ns: int


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class OllamaStream(StreamingResponse):
    """A streamed answer whose headers leave with its first piece, as Ollama's do.

    Ollama (Go's net/http under gin) writes a stream's status and headers on its first
    write, so a client learns the answer started when the first piece arrives; an error
    before that is still an HTTP error. Sending the headers at once would let a client
    do the work of reading them while the model thinks, flattering every time to first
    token measured straight against the fake.
    """

    async def stream_response(self, send: Send) -> None:
        pieces = aiter(self.body_iterator)
        start = {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        try:
            first = await anext(pieces, None)
        except ServerHalted:
            # A dying Ollama drops the connection; ASGI can only drop one that has answered (an
            # exception before that becomes a 500), so the headers go first here.
            await send(start)
            raise
        await send(start)
        if first is not None:
            await send({"type": "http.response.body", "body": _bytes(first), "more_body": True})
            async for piece in pieces:
                await send({"type": "http.response.body", "body": _bytes(piece), "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _bytes(piece: str | bytes | memoryview) -> bytes | memoryview:
    return piece.encode() if isinstance(piece, str) else piece


def _line(payload: dict[str, Any]) -> bytes:
    return (json.dumps(payload, separators=(",", ":")) + "\n").encode()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "invalid request body: expected JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid request body: expected a JSON object")
    return body


def _model_name(body: dict[str, Any]) -> str:
    name = body.get("model") or body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "model is required")
    return name


def _keep_alive(body: dict[str, Any]) -> float | None:
    try:
        return parse_keep_alive(body.get("keep_alive"))
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None


def _options(body: dict[str, Any], spec: ModelSpec) -> dict[str, Any]:
    """The model's own parameters under the request's options; wrong types and formats are 400 as in Ollama."""
    options = {**spec.defaults, **(body.get("options") or {})}
    try:
        sampling(options)
        response_format(body.get("format"))
    except BadRequest as error:
        raise ApiError(400, str(error)) from None
    return options


def _forced_calls(body: dict[str, Any], options: dict[str, Any]) -> list[dict[str, Any]]:
    """The teaching option (tool_choice "required"): a call of the first offered tool, as the engine makes."""
    tools, messages = body.get("tools") or [], body.get("messages") or []
    if not tools or options.get("tool_choice") != "required" or messages[-1].get("role") != "user":
        return []
    function = tools[0]["function"]
    return [{"function": {"name": function["name"], "arguments": schema_instance(function.get("parameters"))}}]


def _thinking(body: dict[str, Any], spec: ModelSpec, name: str, images: list[Any]) -> bool:
    """Ollama's checks of `think` and images against the model's capabilities; whether to think aloud."""
    think = body.get("think")
    if think is not None and not isinstance(think, bool) and think not in ("low", "medium", "high"):
        raise ApiError(400, f'invalid think value: {think!r} (must be "high", "medium", "low", true, or false)')
    thinks = think is True or isinstance(think, str)
    if thinks and not spec.supports("thinking"):
        raise ApiError(400, f'"{name}" does not support thinking')
    if images and not spec.supports("vision"):
        raise ApiError(400, f'"{name}" does not support vision')
    for image in images:
        try:
            base64.b64decode(image, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise ApiError(400, "illegal base64 data in images") from None
    return thinks


def _seen(text: str, images: list[Any]) -> str:
    """The text a vision model "sees": the prompt, and how many images came with it."""
    return f"{text} [{len(images)} image{'s' if len(images) > 1 else ''}]" if images else text


def _cap(tokens: list[str], options: dict[str, Any]) -> tuple[list[str], str]:
    """Apply options.num_predict; done_reason becomes "length" when it cut the reply."""
    limit = options.get("num_predict")
    if isinstance(limit, int) and 0 <= limit < len(tokens):
        return tokens[:limit], "length"
    return tokens, "stop"


class FakeOllamaApp:
    """Request handlers over one FakeState."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    def build(self) -> Starlette:
        api = self._api
        return Starlette(
            routes=[
                Route("/", api(self.root, fallible=False), methods=["GET", "HEAD"]),
                Route("/api/version", api(self.version, fallible=False)),
                Route("/api/tags", api(self.tags, fallible=False)),
                Route("/api/ps", api(self.ps, fallible=False)),
                Route("/api/show", api(self.show), methods=["POST"]),
                Route("/api/pull", api(self.pull), methods=["POST"]),
                Route("/api/delete", api(self.delete, fallible=False), methods=["DELETE"]),
                Route("/api/chat", api(self.chat), methods=["POST"]),
                Route("/api/generate", api(self.generate), methods=["POST"]),
                Route("/api/embed", api(self.embed), methods=["POST"]),
                Route("/api/embeddings", api(self.embeddings), methods=["POST"]),
                Route("/api/copy", api(self.copy), methods=["POST"]),
                Route("/api/create", api(self.create), methods=["POST"]),
                Route("/_fake/config", self.control_config, methods=["GET", "POST"]),
                Route("/_fake/reset", self.control_reset, methods=["POST"]),
                Route("/_fake/stats", self.control_stats),
                Route("/_fake/script", self.control_script, methods=["POST"]),
            ]
        )

    # -- plumbing ---------------------------------------------------------------------------

    def _api(self, handler: Handler, *, fallible: bool = True) -> Handler:
        """Count the request, apply hang / http_500 faults, and turn ApiError into JSON."""

        async def endpoint(request: Request) -> Response:
            self.state.stats.count_request(request.url.path)
            fault = self.state.config.fault
            if fault == "hang":
                return await self._hang(request)
            if fallible and fault == "http_500":
                return _error(500, HTTP_500_ERROR)
            try:
                return await handler(request)
            except ApiError as exc:
                return _error(exc.status, exc.message)

        return endpoint

    async def _pause(self, seconds: float) -> None:
        """Sleep in short slices so a stopping server never waits for a slow fake response."""
        deadline = monotonic() + seconds
        while True:
            if self.state.halting:
                raise ServerHalted
            left = deadline - monotonic()
            if left <= 0:
                return
            await asyncio.sleep(min(left, _POLL_SECONDS))

    async def _hang(self, request: Request) -> Response:
        """Never answer; give up only when the client goes away (or the server stops)."""
        while not await request.is_disconnected():
            await self._pause(_POLL_SECONDS)
        return Response(status_code=499)  # nginx's "client closed request"; nobody receives it

    def _runnable(self, body: dict[str, Any], capability: str, action: str) -> tuple[str, ModelSpec]:
        name = _model_name(body)
        spec = self.state.find(name)
        if spec is None:
            raise ApiError(404, f'model "{name}" not found, try pulling it first')
        if not spec.supports(capability):
            raise ApiError(400, f"registry.ollama.ai/library/{spec.name} does not support {action}")
        return name, spec

    def _load(self, spec: ModelSpec, keep_alive: float | None, options: dict[str, Any]) -> int:
        """Load for the duration of a request (even if keep_alive is 0); returns load time in ns."""
        start = perf_counter_ns()
        num_ctx = options.get("num_ctx") if isinstance(options.get("num_ctx"), int) else None
        self.state.load(spec, DEFAULT_KEEP_ALIVE if keep_alive == 0 else keep_alive, num_ctx)
        return perf_counter_ns() - start

    def _load_only(self, model: str, spec: ModelSpec, keep_alive: float | None, empty: dict[str, Any]) -> Response:
        """Ollama's empty chat/generate: load the model, or unload it when keep_alive is 0."""
        if keep_alive == 0 or not self.state.config.empty_loads_ignored:
            self.state.load(spec, keep_alive, None)
        reason = "unload" if keep_alive == 0 else "load"
        return JSONResponse({"model": model, "created_at": _now(), **empty, "done": True, "done_reason": reason})

    # -- simple endpoints -------------------------------------------------------------------

    async def root(self, request: Request) -> Response:
        return PlainTextResponse("Ollama is running")

    async def version(self, request: Request) -> Response:
        config = self.state.config
        extra = {"engine": config.engine} if config.engine else {}
        if config.slots:
            extra["slots"] = config.slots
        return JSONResponse({"version": VERSION, **extra})

    async def tags(self, request: Request) -> Response:
        specs = sorted(self.state.installed.values(), key=lambda s: (s.modified_at, s.name), reverse=True)
        return JSONResponse({"models": [spec.tags_entry() for spec in specs]})

    async def ps(self, request: Request) -> Response:
        return JSONResponse({"models": [model.ps_entry() for model in self.state.running()]})

    async def show(self, request: Request) -> Response:
        name = _model_name(await _json_body(request))
        await self._pause(self.state.config.show_delay)
        spec = self.state.find(name)
        if spec is None:
            raise ApiError(404, f"model '{name}' not found")
        return JSONResponse(spec.show_entry())

    async def delete(self, request: Request) -> Response:
        name = _model_name(await _json_body(request))
        spec = self.state.installed.pop(normalize_name(name), None)
        if spec is None:
            raise ApiError(404, f"model '{name}' not found")
        self.state.loaded.pop(spec.name, None)
        return Response(status_code=200)

    # -- pull -------------------------------------------------------------------------------

    async def pull(self, request: Request) -> Response:
        body = await _json_body(request)
        name = normalize_name(_model_name(body))
        spec = REGISTRY.get(name) or (None if self.state.config.unknown_pulls_fail else synthetic_spec(name))
        lines = _pull_progress(spec)
        if body.get("stream", True):
            return OllamaStream(self._pull_stream(spec, lines), media_type=NDJSON)
        await self._pause(self.state.config.pull_line_delay * len(lines))
        if spec is None:
            raise ApiError(500, PULL_NOT_FOUND)
        if self.state.config.fault == "error_mid_stream":
            raise ApiError(500, PULL_MID_STREAM_ERROR)
        self._install(spec)
        return JSONResponse({"status": "success"})

    async def _pull_stream(self, spec: ModelSpec | None, lines: list[dict[str, Any]]) -> AsyncIterator[bytes]:
        for index, line in enumerate(lines):
            if index:
                await self._pause(self.state.config.pull_line_delay)
            if self.state.config.fault == "error_mid_stream" and index == PULL_ERROR_AFTER_LINES:
                yield _line({"error": PULL_MID_STREAM_ERROR})
                return
            if spec is not None and line.get("status") == "success":
                self._install(spec)
            yield _line(line)

    def _install(self, spec: ModelSpec) -> None:
        self.state.installed[spec.name] = replace(spec, modified_at=_now())

    # -- chat / generate --------------------------------------------------------------------

    async def chat(self, request: Request) -> Response:
        started = perf_counter_ns()
        body = await _json_body(request)
        model, spec = self._runnable(body, "completion", "chat")
        if body.get("tools") and not spec.supports("tools"):
            raise ApiError(400, f"registry.ollama.ai/library/{spec.name} does not support tools")
        keep_alive = _keep_alive(body)
        options = _options(body, spec)
        messages = body.get("messages") or []
        images = [image for message in messages for image in message.get("images") or []]
        thinks = _thinking(body, spec, model, images)
        if not messages:
            return self._load_only(model, spec, keep_alive, {"message": {"role": "assistant", "content": ""}})
        messages = [*spec.messages, *messages]  # a created model's few-shot examples come first, as in Ollama
        self.state.stats.last_chat_options = dict(body.get("options") or {})
        self.state.stats.last_chat = {key: value for key, value in body.items() if key != "messages"}
        load_ns = self._load(spec, keep_alive, options)

        script = self.state.next_script(model)
        tool_calls: list[dict[str, Any]] = _forced_calls(body, options)
        if tool_calls:
            tokens, done_reason = [], "stop"
        elif script is None:
            asking = next((m for m in reversed(messages) if m.get("role") == "user"), {})
            last_user = _seen(asking.get("content") or "", asking.get("images") or [])
            tokens, done_reason = _cap(echo_tokens(last_user, self.state.config.reply_tokens), options)
            if body.get("format"):
                tokens, done_reason = split_tokens(json_reply(body["format"], "".join(tokens))), "stop"
        else:
            tokens, done_reason = split_tokens(script.get("content", "")), "stop"
            tool_calls = [
                {"function": {"name": c["function"]["name"], "arguments": c["function"].get("arguments", {})}}
                for c in script.get("tool_calls", [])
            ]
        question = next((m.get("content") or "" for m in reversed(messages) if m.get("role") == "user"), "")
        thoughts = thinking_tokens(question) if thinks else []
        pieces = [{"message": {"role": "assistant", "content": "", "thinking": token}} for token in thoughts]
        pieces += [{"message": {"role": "assistant", "content": token}} for token in tokens]
        whole_message: dict[str, Any] = {"role": "assistant", "content": "".join(tokens)}
        if thoughts:
            whole_message["thinking"] = "".join(thoughts)
        if tool_calls:
            pieces.append({"message": {"role": "assistant", "content": "", "tool_calls": tool_calls}})
            whole_message["tool_calls"] = tool_calls
        run = _Run(
            model=model,
            spec=spec,
            keep_alive=keep_alive,
            pieces=pieces,
            whole={"message": whole_message},
            final={"message": {"role": "assistant", "content": ""}},
            prompt_tokens=count_tokens(*(str(m.get("content") or "") for m in messages)),
            done_reason=done_reason,
            started_ns=started,
            load_ns=load_ns,
        )
        return await self._respond(run, stream=body.get("stream", True))

    async def generate(self, request: Request) -> Response:
        started = perf_counter_ns()
        body = await _json_body(request)
        model, spec = self._runnable(body, "completion", "generate")
        keep_alive = _keep_alive(body)
        options = _options(body, spec)
        prompt = body.get("prompt") or ""
        images = body.get("images") or []
        if body.get("suffix") and not spec.supports("insert"):
            raise ApiError(400, f'"{model}" does not support insert')
        thinks = _thinking(body, spec, model, images)
        if not prompt:
            return self._load_only(model, spec, keep_alive, {"response": ""})
        self.state.stats.last_generate = {key: value for key, value in body.items() if key != "images"}
        load_ns = self._load(spec, keep_alive, options)
        tokens, done_reason = _cap(echo_tokens(_seen(prompt, images), self.state.config.reply_tokens), options)
        if body.get("format"):
            tokens, done_reason = split_tokens(json_reply(body["format"], "".join(tokens))), "stop"
        text = "".join(tokens)
        context = context_ids(f"{prompt} {text}")
        thoughts = thinking_tokens(prompt) if thinks else []
        run = _Run(
            model=model,
            spec=spec,
            keep_alive=keep_alive,
            pieces=[{"response": "", "thinking": token} for token in thoughts] + [{"response": t} for t in tokens],
            whole={"response": text, "context": context, **({"thinking": "".join(thoughts)} if thoughts else {})},
            final={"response": "", "context": context},
            prompt_tokens=count_tokens(str(body.get("system") or ""), prompt),
            done_reason=done_reason,
            started_ns=started,
            load_ns=load_ns,
        )
        return await self._respond(run, stream=body.get("stream", True))

    async def _respond(self, run: _Run, *, stream: bool) -> Response:
        if stream:
            return OllamaStream(self._stream(run), media_type=NDJSON)
        try:
            prompt_start = perf_counter_ns()
            await self._pause(self.state.config.first_token_delay)
            first_token = perf_counter_ns()
            await self._pause(self.state.config.token_delay * max(0, len(run.pieces) - 1))
            if self.state.config.fault == "error_mid_stream":
                raise ApiError(500, MID_STREAM_ERROR)
            return JSONResponse({**self._done(run, prompt_start, first_token), **run.whole})
        finally:
            self.state.load(run.spec, run.keep_alive, None)

    async def _stream(self, run: _Run) -> AsyncIterator[bytes]:
        """Emit pieces as NDJSON; a client disconnect cancels us at the next await."""
        config, stats = self.state.config, self.state.stats
        fail_at = min(ERROR_AFTER_TOKENS, len(run.pieces)) if config.fault == "error_mid_stream" else -1
        stats.active_streams += 1
        stats.peak_streams = max(stats.peak_streams, stats.active_streams)
        prompt_start = perf_counter_ns()
        try:
            await self._pause(config.first_token_delay)
            first_token = perf_counter_ns()
            for index, piece in enumerate(run.pieces):
                if index == fail_at:
                    break
                if index:
                    await self._pause(config.token_delay)
                yield _line({"model": run.model, "created_at": _now(), **piece, "done": False})
            if fail_at >= 0:
                yield _line({"error": MID_STREAM_ERROR})
                return
            yield _line(self._done(run, prompt_start, first_token))
        except (asyncio.CancelledError, GeneratorExit):
            stats.cancelled_streams += 1
            raise
        finally:
            stats.active_streams -= 1
            stats.stream_seconds += (perf_counter_ns() - prompt_start) / 1e9
            self.state.load(run.spec, run.keep_alive, None)

    def _done(self, run: _Run, prompt_start: int, first_token: int) -> dict[str, Any]:
        end = perf_counter_ns()
        return {
            "model": run.model,
            "created_at": _now(),
            **run.final,
            "done": True,
            "done_reason": run.done_reason,
            "total_duration": end - run.started_ns,
            "load_duration": run.load_ns,
            "prompt_eval_count": max(1, run.prompt_tokens),
            "prompt_eval_duration": first_token - prompt_start,
            "eval_count": len(run.pieces),
            "eval_duration": end - first_token,
        }

    # -- embed ------------------------------------------------------------------------------

    async def embed(self, request: Request) -> Response:
        started = perf_counter_ns()
        body = await _json_body(request)
        name = _model_name(body)
        raw = body.get("input", [])
        inputs = [raw] if isinstance(raw, str) else raw
        if not isinstance(inputs, list) or not all(isinstance(text, str) for text in inputs):
            raise ApiError(400, "invalid input type: expected a string or a list of strings")
        spec = self._embedder(name)
        dimensions = body.get("dimensions")
        if dimensions is not None and (not isinstance(dimensions, int) or not 0 < dimensions <= spec.embedding_length):
            raise ApiError(400, f"invalid dimensions: must be between 1 and {spec.embedding_length}")
        keep_alive = _keep_alive(body)
        if not inputs and keep_alive != 0 and self.state.config.empty_loads_ignored:
            empty = {"embeddings": [], "total_duration": 0, "load_duration": 0, "prompt_eval_count": 0}
            return JSONResponse({"model": name, **empty})
        load_ns = self._load(spec, keep_alive, body.get("options") or {})
        vectors, token_total = self._vectors(spec, inputs, body.get("truncate") is not False)
        if dimensions:
            vectors = [normalize(vector[:dimensions]) for vector in vectors]
        self.state.load(spec, keep_alive, None)
        return JSONResponse(
            {
                "model": name,
                "embeddings": vectors,
                "total_duration": perf_counter_ns() - started,
                "load_duration": load_ns,
                "prompt_eval_count": token_total,
            }
        )

    async def embeddings(self, request: Request) -> Response:
        """The legacy single-text endpoint."""
        body = await _json_body(request)
        spec = self._embedder(_model_name(body))
        prompt = body.get("prompt") or ""
        if not isinstance(prompt, str):
            raise ApiError(400, "invalid prompt: expected a string")
        return JSONResponse({"embedding": self._vectors(spec, [prompt], True)[0][0] if prompt else []})

    def _embedder(self, name: str) -> ModelSpec:
        spec = self.state.find(name)
        if spec is None:
            raise ApiError(404, f'model "{name}" not found, try pulling it first')
        if not spec.supports("embedding"):
            raise ApiError(400, f'"{name}" does not support embeddings')
        return spec

    def _vectors(self, spec: ModelSpec, inputs: list[str], truncate: bool) -> tuple[list[list[float]], int]:
        vectors, token_total = [], 0
        for text in inputs:
            tokens = words(text)
            if len(tokens) > spec.context_length:
                if not truncate:
                    raise ApiError(400, "the input length exceeds the context length")
                tokens = tokens[: spec.context_length]
            token_total += len(tokens)
            vectors.append(embed_words(tokens, spec.embedding_length))
        stats = self.state.stats
        stats.embed_calls += 1
        stats.embed_inputs += len(inputs)
        return vectors, token_total

    # -- copy / create ----------------------------------------------------------------------

    async def copy(self, request: Request) -> Response:
        body = await _json_body(request)
        source, destination = body.get("source"), body.get("destination")
        if not isinstance(source, str) or not isinstance(destination, str) or not destination:
            raise ApiError(400, "source and destination are required")
        spec = self.state.find(source)
        if spec is None:
            raise ApiError(404, f"model '{source}' not found")
        self._install(replace(spec, name=normalize_name(destination)))
        return Response(status_code=200)

    async def create(self, request: Request) -> Response:
        """A derived model (from + system + parameters + template), as Ollama's /api/create makes."""
        body = await _json_body(request)
        name = normalize_name(_model_name(body))
        source = body.get("from")
        if not isinstance(source, str) or not source:
            raise ApiError(400, "neither 'from' or 'files' was specified")
        base = self.state.find(source)
        if base is None:
            raise ApiError(404, f"model '{source}' not found")
        defaults = {**base.defaults, **(body.get("parameters") or {})}
        _options({"options": defaults}, base)
        messages = body.get("messages") or []
        if not isinstance(messages, list) or not all(isinstance(m, dict) and m.get("role") for m in messages):
            raise ApiError(400, "invalid messages: each needs a role")
        self._install(
            replace(
                base,
                name=name,
                system=body.get("system") or base.system,
                template=body.get("template") or base.template,
                defaults=defaults,
                messages=tuple(messages) or base.messages,
            )
        )
        lines = [{"status": "using existing layer"}, {"status": "writing manifest"}, {"status": "success"}]
        if body.get("stream", True) is False:
            return JSONResponse(lines[-1])
        return OllamaStream(iter([_line(line) for line in lines]), media_type=NDJSON)

    # -- control API (never affected by faults) ---------------------------------------------

    async def control_config(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                self.state.config.update(await _json_body(request))
            except (ApiError, ValueError) as exc:
                return _error(400, str(exc))
        return JSONResponse(self.state.config.as_dict())

    async def control_reset(self, request: Request) -> Response:
        self.state.reset()
        return JSONResponse({"status": "ok"})

    async def control_stats(self, request: Request) -> Response:
        return JSONResponse(self.state.stats.as_dict())

    async def control_script(self, request: Request) -> Response:
        try:
            body = await _json_body(request)
            model = _model_name(body)
            queued = self.state.script_chat(model, body.get("responses") or [])
        except (ApiError, ValueError) as exc:
            return _error(400, str(exc))
        return JSONResponse({"model": model, "queued": queued})


def _pull_progress(spec: ModelSpec | None) -> list[dict[str, Any]]:
    """The NDJSON lines of a pull; an unknown model fails right after the manifest request."""
    if spec is None:
        return [{"status": "pulling manifest"}, {"error": PULL_NOT_FOUND}]
    lines: list[dict[str, Any]] = [{"status": "pulling manifest"}]
    for digest, total in spec.layers:
        steps = 4 if total > 1_000_000 else 1
        for step in range(1, steps + 1):
            lines.append(
                {
                    "status": f"pulling {digest[7:19]}",
                    "digest": digest,
                    "total": total,
                    "completed": total * step // steps,
                }
            )
    lines += [{"status": "verifying sha256 digest"}, {"status": "writing manifest"}, {"status": "success"}]
    return lines
