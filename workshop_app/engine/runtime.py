"""Loaded models: llama.cpp servers (xllamacpp) created on first use and dropped when idle.

xllamacpp is imported only when a model loads, so an idle engine stays small. One
`xllamacpp.Server` per loaded model runs its own batching loop with `slots` parallel sequences;
requests are handed to it from worker threads and their chunks come back through a queue, so the
event loop never blocks and a client that leaves stops its sequence at the next token.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from workshop_app.engine.gguf_meta import GGUFInfo
from workshop_app.engine.store import ModelRecord

_FOREVER = datetime(2318, 1, 1, tzinfo=UTC)
_REAP_SECONDS = 1.0
_END = object()
_WORKER_THREADS = 64


class LoadFailed(Exception):
    """llama.cpp refused the model; the message names the file."""


@dataclass(frozen=True)
class EngineConfig:
    slots: int
    context: int
    threads: int
    keep_alive: float


@dataclass
class Loaded:
    """One model in memory and the bookkeeping /api/ps reports."""

    record: ModelRecord
    info: GGUFInfo
    server: Any
    num_ctx: int
    slots: int
    load_seconds: float
    active: int = 0
    expires_at: float | None = None  # wall clock; None = never
    since: float = field(default_factory=time.monotonic)

    @property
    def name(self) -> str:
        return self.record.name

    def expires_iso(self) -> str:
        if self.expires_at is None:
            return _FOREVER.isoformat().replace("+00:00", "Z")
        return datetime.fromtimestamp(self.expires_at, UTC).isoformat().replace("+00:00", "Z")

    @property
    def size(self) -> int:
        """File size plus the KV cache llama.cpp reserved (f16 keys and values for every slot)."""
        info = self.info
        layers = int(info.value("block_count", 0))
        heads = int(info.value("attention.head_count", 1) or 1)
        kv_heads = int(info.value("attention.head_count_kv", heads) or heads)
        head_dim = info.embedding_length // heads if heads else 0
        kv = 2 * 2 * layers * kv_heads * head_dim * self.num_ctx * self.slots
        return info.size + (0 if info.is_embedding else kv)


def _xllamacpp() -> Any:
    import xllamacpp

    return xllamacpp


def _build_server(record: ModelRecord, info: GGUFInfo, num_ctx: int, config: EngineConfig) -> Any:
    xlc = _xllamacpp()
    params = xlc.CommonParams()
    params.model.path = str(info.path)
    params.verbosity = -1
    params.warmup = False
    params.n_parallel = config.slots
    params.cpuparams.n_threads = config.threads
    params.cpuparams_batch.n_threads = config.threads
    params.cache_ram_mib = 256
    if info.is_embedding:
        params.embedding = True
        params.n_ctx = num_ctx * config.slots
        params.n_batch = params.n_ubatch = num_ctx
    else:
        params.n_ctx = num_ctx * config.slots
        if record.template:
            params.chat_template = record.template
    try:
        return xlc.Server(params)
    except RuntimeError:
        raise LoadFailed(f"llama.cpp could not load {info.path} for model '{record.name}'") from None


def _restore_signal_handlers() -> None:
    """llama.cpp installs its own SIGINT/SIGTERM handlers; give them back to Python (the server's)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if handler is not None:
            signal.signal(sig, handler)


class Runtime:
    """The loaded models, their keep-alive deadlines and the threads that drive them."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self._loaded: dict[str, Loaded] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._executor = ThreadPoolExecutor(max_workers=_WORKER_THREADS, thread_name_prefix="engine-model")
        self._reaper: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        self._reaper = asyncio.get_running_loop().create_task(self._reap())

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        for name in list(self._loaded):
            await self.unload(name)
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(_REAP_SECONDS)
            now = time.time()
            for loaded in list(self._loaded.values()):
                if loaded.active == 0 and loaded.expires_at is not None and loaded.expires_at <= now:
                    await self.unload(loaded.name)

    def running(self) -> list[Loaded]:
        return sorted(self._loaded.values(), key=lambda item: item.since, reverse=True)

    # -- loading ------------------------------------------------------------------------------

    async def acquire(self, record: ModelRecord, info: GGUFInfo, num_ctx: int) -> tuple[Loaded, float]:
        """The loaded model (loading it if needed) with one more active request; also load seconds."""
        lock = self._locks.setdefault(record.name, asyncio.Lock())
        async with lock:
            loaded = self._loaded.get(record.name)
            resized = loaded is not None and loaded.num_ctx != num_ctx and loaded.active == 0
            stale = loaded is not None and (loaded.record != record or resized)
            if loaded is not None and stale:
                await self._drop(record.name)
                loaded = None
            load_seconds = 0.0
            if loaded is None:
                started = time.monotonic()
                loop = asyncio.get_running_loop()
                server = await loop.run_in_executor(self._executor, _build_server, record, info, num_ctx, self.config)
                _restore_signal_handlers()
                load_seconds = time.monotonic() - started
                loaded = Loaded(record, info, server, num_ctx, self.config.slots, load_seconds)
                self._loaded[record.name] = loaded
            loaded.active += 1
            loaded.expires_at = None
            return loaded, load_seconds

    def release(self, loaded: Loaded, keep_alive: float | None) -> None:
        """One request finished: restart the keep-alive clock (0 unloads once the model is idle)."""
        loaded.active -= 1
        seconds = self.config.keep_alive if keep_alive is None else keep_alive
        loaded.expires_at = None if seconds < 0 else time.time() + seconds
        if seconds == 0 and loaded.active == 0:
            asyncio.get_running_loop().create_task(self.unload(loaded.name))

    async def unload(self, name: str) -> bool:
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            loaded = self._loaded.get(name)
            if loaded is None or loaded.active:
                return False
            await self._drop(name)
            return True

    async def _drop(self, name: str) -> None:
        loaded = self._loaded.pop(name)
        holder, loaded.server = [loaded.server], None
        # Destroying the server joins llama.cpp's loop thread: the last reference goes on a worker.
        await asyncio.get_running_loop().run_in_executor(self._executor, holder.clear)

    # -- running ------------------------------------------------------------------------------

    async def stream(
        self, loaded: Loaded, method: str, request: dict[str, Any]
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Chunks of a streamed llama.cpp request; leaving the iteration stops the sequence."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()
        handler: Callable[..., Any] = getattr(loaded.server, method)

        def on_chunk(chunk: dict[str, Any]) -> bool:
            loop.call_soon_threadsafe(queue.put_nowait, chunk)
            return stop.is_set()

        def work() -> None:
            try:
                handler({**request, "stream": True}, on_chunk)
            except Exception as error:  # reported to the client as an error line
                loop.call_soon_threadsafe(queue.put_nowait, {"error": {"code": 500, "message": str(error)}})
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _END)

        future = loop.run_in_executor(self._executor, work)
        try:
            while (chunk := await queue.get()) is not _END:
                yield chunk
        finally:
            stop.set()
            if not future.done():
                # Let the worker see the stop flag at its next token; don't wait for it here.
                future.add_done_callback(lambda _: None)

    async def call(self, loaded: Loaded, method: str, request: dict[str, Any]) -> dict[str, Any]:
        """A one-shot llama.cpp request (embeddings) run on a worker thread."""
        handler: Callable[..., Any] = getattr(loaded.server, method)
        return await asyncio.get_running_loop().run_in_executor(self._executor, handler, request)


def default_threads(configured: int) -> int:
    return configured or os.cpu_count() or 1
