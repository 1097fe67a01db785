"""Which host serves a model: one that has it, preferring one where it is loaded, then the least busy.

"Busy" is the number of requests in flight per host, counted by whoever sends them
(`in_flight.track(url)` around a request); a scheduler that queues requests per host
wraps the same counter, so the router sees the load the platform itself puts on a host.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from workshop_app.services.ollama.errors import BackendUnavailable, ModelNotFound
from workshop_app.services.ollama.health_monitor import HostState


def canonical_name(model: str) -> str:
    """Ollama's implicit tag: "llama3.2" means "llama3.2:latest"."""
    name = model.strip()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


class InFlight:
    """Requests in flight per host URL (single event loop, so a plain counter suffices)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    @contextmanager
    def track(self, url: str) -> Iterator[None]:
        self._counts[url] += 1
        try:
            yield
        finally:
            self._counts[url] -= 1

    def count(self, url: str) -> int:
        return self._counts[url]


in_flight = InFlight()
"""The process-wide counter the router reads."""


def pick_host(model: str, states: Sequence[HostState], busy: InFlight = in_flight) -> str:
    """The URL of the host to send `model` to.

    Raises BackendUnavailable (naming the host) when the model was last seen on a host
    that is down now, or when no host is reachable; ModelNotFound otherwise.
    """
    name = canonical_name(model)
    having = [state for state in states if state.reachable and state.has(name)]
    if having:
        order = {state.url: index for index, state in enumerate(states)}
        best = min(having, key=lambda s: (s.running_model(name) is None, busy.count(s.url), order[s.url]))
        return best.url
    down = [state for state in states if not state.reachable]
    last_seen_on = [state for state in down if state.has(name)]
    if last_seen_on or (states and len(down) == len(states)):
        host = (last_seen_on or down)[0]
        raise BackendUnavailable(host.url, host.reason or "no answer yet")
    raise ModelNotFound(model)
