"""Background health checks of every Ollama host, so answers never wait on a slow host.

Each host gets its own watcher task: it checks the host (/api/tags and /api/ps, plus
/api/show for models it has not described yet) every `interval` seconds while the host
is up, and backs off (doubling up to `max_backoff`) while it is down. Pages and the REST
API read the last known state and report how old it is; `refresh` lets a caller ask for
a new check and wait for it only up to a bound.

A host also goes down at once when a request finds it refusing connections (`mark_down`),
and is checked at once when a request's connection was dropped (`check_soon`), without
waiting for the next scheduled check. Whoever watches outages (`on_down`)
hears of every host that goes from up to down, by a check or by `mark_down`.

The watchers start lazily in whatever event loop first asks (and restart if a later
caller runs in another loop), so the monitor needs no framework hook and tests drive
it directly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.scheduler import set_host_slots
from workshop_app.services.ollama.types import ModelInfo, RunningModel, ServerInfo

FIRST_CHECK_WAIT_S = 1.0
"""How long a caller waits for the very first check of a host before answering without it."""


@dataclass(frozen=True)
class HostState:
    """What is known about one host, and when it was learnt.

    `reachable` is None until the first check finishes. After a failed check the
    host's last known models stay listed, so the catalog can say where a model lives
    even while that host is down.
    """

    url: str
    reachable: bool | None = None
    checked_at: float | None = None
    latency_ms: float | None = None
    models: tuple[ModelInfo, ...] = ()
    running: tuple[RunningModel, ...] = ()
    error: str = ""
    reason: str = ""
    hint: str = ""
    failures: int = 0
    server: ServerInfo = ServerInfo()

    def age_s(self, now: float | None = None) -> float | None:
        """Seconds since the last finished check (None: never checked)."""
        if self.checked_at is None:
            return None
        return max(0.0, (now if now is not None else time.time()) - self.checked_at)

    def has(self, model: str) -> bool:
        return any(info.name == model for info in self.models)

    def running_model(self, model: str) -> RunningModel | None:
        return next((entry for entry in self.running if entry.name == model), None)


@dataclass
class HealthMonitor:
    """Last known state of each host, kept current by one watcher task per host."""

    backends: Sequence[OllamaBackend]
    interval: float = 10.0
    max_backoff: float = 60.0
    probe_timeout: float = 3.0
    _states: dict[str, HostState] = field(init=False)
    _shows: dict[tuple[str, str], dict[str, Any]] = field(init=False, default_factory=dict)
    _watchers: dict[str, asyncio.Task] = field(init=False, default_factory=dict)
    _probes: dict[str, asyncio.Task] = field(init=False, default_factory=dict)
    _probe_began: dict[str, float] = field(init=False, default_factory=dict)
    _follow_ups: dict[str, asyncio.Task] = field(init=False, default_factory=dict)
    _applied: dict[str, float] = field(init=False, default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = field(init=False, default=None)
    on_down: list[Callable[[HostState], None]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self._states = {backend.url: HostState(backend.url) for backend in self.backends}

    # -- reading ----------------------------------------------------------------------

    def states(self) -> list[HostState]:
        """The last known state of every host, in configured order (never waits)."""
        return [self._states[backend.url] for backend in self.backends]

    def show_data(self, url: str, digest: str) -> dict[str, Any] | None:
        """The cached /api/show answer for a model version on a host."""
        return self._shows.get((url, digest))

    def show_of(self, model: str) -> dict[str, Any] | None:
        """The cached /api/show answer for `model` on the first host that lists it (None until described)."""
        names = {model, f"{model}:latest"}
        for state in self.states():
            for info in state.models:
                if info.name in names and (show := self._shows.get((state.url, info.digest))) is not None:
                    return show
        return None

    async def current(self, max_wait: float = FIRST_CHECK_WAIT_S) -> list[HostState]:
        """Last known states; waits (up to `max_wait`) only for hosts never checked yet."""
        self.ensure_started()
        pending = [self._probe_task(b) for b in self.backends if self._states[b.url].checked_at is None]
        if pending:
            await asyncio.wait(pending, timeout=max_wait)
        return self.states()

    async def refresh(self, urls: Iterable[str] | None = None, max_wait: float = FIRST_CHECK_WAIT_S) -> list[HostState]:
        """Check hosts now and wait for the results up to `max_wait`; slower checks finish in the background."""
        self.ensure_started()
        wanted = set(urls) if urls is not None else set(self._states)
        asked = time.monotonic()  # a check already running may have read the host before what the caller changed
        probes = [self._probe_task(backend, begun_after=asked) for backend in self.backends if backend.url in wanted]
        if probes:
            await asyncio.wait(probes, timeout=max_wait)
        return self.states()

    def mark_down(self, url: str, reason: str) -> None:
        """A request could not reach the host (refused, dropped): count it down now, until a check finds it up."""
        previous = self._states.get(url)
        if previous is None or previous.reachable is False:
            return
        error = f"Cannot reach Ollama at {url}: {reason}"
        self._set(self._down(previous, error, reason, "Start Ollama on that machine (run: ollama serve)."))

    def check_soon(self, url: str) -> None:
        """Check the host now, in the background (a request's connection to it was dropped)."""
        backend = next((b for b in self.backends if b.url == url), None)
        if backend is not None and self._loop is _running_loop():
            self._probe_task(backend)

    def _set(self, state: HostState) -> None:
        went_down = state.reachable is False and self._states[state.url].reachable is not False
        self._states[state.url] = state
        if went_down:
            for listener in self.on_down:
                listener(state)

    # -- running ----------------------------------------------------------------------

    def ensure_started(self) -> None:
        """Start (or restart, in the running loop) the watcher of every host."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self.stop()
            self._loop = loop
            self._probes, self._follow_ups = {}, {}
        for backend in self.backends:
            watcher = self._watchers.get(backend.url)
            if watcher is None or watcher.done():
                self._watchers[backend.url] = loop.create_task(self._watch(backend), name=f"health:{backend.url}")

    def stop(self) -> None:
        """Cancel the watchers (and checks in flight) of the loop they run in."""
        loop = self._loop
        tasks = [*self._watchers.values(), *self._probes.values(), *self._follow_ups.values()]
        self._watchers = {}
        if loop is None or loop.is_closed():
            return
        for task in tasks:
            if loop is _running_loop():
                task.cancel()
            else:
                loop.call_soon_threadsafe(task.cancel)

    def delay_after(self, state: HostState) -> float:
        """Seconds until the next check: the interval while up, doubling per failure while down."""
        if state.reachable:
            return self.interval
        return min(self.max_backoff, self.interval * 2 ** max(0, state.failures - 1))

    async def _watch(self, backend: OllamaBackend) -> None:
        while True:
            with suppress(Exception):  # a failed check is recorded in the state, never fatal to the watcher
                await asyncio.shield(self._probe_task(backend))
            await asyncio.sleep(self.delay_after(self._states[backend.url]))

    def _probe_task(self, backend: OllamaBackend, begun_after: float | None = None) -> asyncio.Task:
        """The check in flight for this host, or a new one: concurrent askers share one check.

        An asker that needs a check begun after `begun_after` (it just changed the host: loaded,
        pulled, deleted) does not take one that began earlier; it shares the check that follows it.
        """
        url, loop = backend.url, asyncio.get_running_loop()
        task = self._probes.get(url)
        if task is None or task.done():
            began = time.monotonic()
            task = loop.create_task(self._probe(backend, began), name=f"probe:{url}")
            self._probes[url], self._probe_began[url] = task, began
            return task
        if begun_after is None or self._probe_began[url] >= begun_after:
            return task
        follow_up = self._follow_ups.get(url)
        if follow_up is None or follow_up.done():
            follow_up = loop.create_task(self._after(task, backend), name=f"probe-next:{url}")
            self._follow_ups[url] = follow_up
        return follow_up

    async def _after(self, running: asyncio.Task, backend: OllamaBackend) -> HostState:
        await asyncio.wait([running])
        return await self._probe_task(backend)

    async def _probe(self, backend: OllamaBackend, began: float) -> HostState:
        previous = self._states[backend.url]
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.probe_timeout):
                models, running, server = await asyncio.gather(
                    backend.list_models(attempts=1), backend.loaded_models(attempts=1), backend.server_info(attempts=1)
                )
        except TimeoutError:
            reason = f"no answer within {self.probe_timeout:g} s"
            state = self._down(
                previous,
                f"Cannot reach Ollama at {backend.url}: {reason}",
                reason,
                "Ollama accepted the connection but did not answer; restart it (ollama serve).",
            )
        except WorkshopError as error:
            state = self._down(previous, error.message, getattr(error, "reason", error.message), error.hint)
        else:
            latency = (time.perf_counter() - started) * 1000
            state = HostState(backend.url, True, time.time(), latency, tuple(models), tuple(running), server=server)
            set_host_slots(backend.url, server.slots)
            # Up and listing its models before they are described: /api/show reads each model's file,
            # and on a host with many models that takes longer than a page waits for a first check.
            self._apply(began, state)
            await self._describe(backend, models)
            return state
        self._apply(began, state)
        return state

    def _apply(self, began: float, state: HostState) -> None:
        """Record a check's result unless a check that began later has already been recorded."""
        if began >= self._applied.get(state.url, float("-inf")):
            self._applied[state.url] = began
            self._set(state)

    @staticmethod
    def _down(previous: HostState, error: str, reason: str, hint: str) -> HostState:
        return replace(
            previous,
            reachable=False,
            checked_at=time.time(),
            latency_ms=None,
            running=(),
            error=error,
            reason=reason,
            hint=hint,
            failures=previous.failures + 1,
        )

    async def _describe(self, backend: OllamaBackend, models: list[ModelInfo]) -> None:
        """Fetch /api/show for model versions not described yet (capabilities, context length)."""
        missing = [info for info in models if (backend.url, info.digest) not in self._shows]
        if not missing:
            return
        with suppress(TimeoutError):
            async with asyncio.timeout(self.probe_timeout):
                answers = await asyncio.gather(*(backend.show(info.name) for info in missing), return_exceptions=True)
                for info, answer in zip(missing, answers, strict=True):
                    if isinstance(answer, dict):
                        self._shows[(backend.url, info.digest)] = answer


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
