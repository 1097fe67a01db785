"""Which host serves a model: one that has it, preferring one where it is loaded, then the least busy.

"Busy" is whatever the caller measures per host URL; the platform passes the fair
scheduler's load (requests in flight plus waiting), so the router sees the load the
platform itself puts on each host.

Loaded first, but not at any price: once as many requests wait for the loaded host as it
serves at once, the next one would wait a whole turn there, longer than loading the model
takes on an idle host that has it on disk; such a request goes to the idle host, which
loads the model and from then on shares the room.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from workshop_app.services.ollama.errors import BackendUnavailable, ModelNotFound
from workshop_app.services.ollama.health_monitor import HostState


def canonical_name(model: str) -> str:
    """Ollama's implicit tag: "llama3.2" means "llama3.2:latest"."""
    name = model.strip()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


class Busy(Protocol):
    """How busy a host is, as a number to compare between hosts."""

    def count(self, url: str) -> int: ...

    def crowded(self, url: str) -> bool:
        """As many requests wait for the host as it serves at once."""
        ...


def pick_host(model: str, states: Sequence[HostState], busy: Busy) -> str:
    """The URL of the host to send `model` to.

    Raises BackendUnavailable (naming the host) when the model was last seen on a host
    that is down now, or when no host is reachable; ModelNotFound otherwise.
    """
    name = canonical_name(model)
    having = [state for state in states if state.reachable and state.has(name)]
    if having:
        order = {state.url: index for index, state in enumerate(states)}
        best = min(having, key=lambda s: (s.running_model(name) is None, busy.count(s.url), order[s.url]))
        idle = [s for s in having if s.running_model(name) is None and busy.count(s.url) == 0]
        if idle and best.running_model(name) is not None and busy.crowded(best.url):
            return min(idle, key=lambda s: order[s.url]).url
        return best.url
    down = [state for state in states if not state.reachable]
    last_seen_on = [state for state in down if state.has(name)]
    if last_seen_on or (states and len(down) == len(states)):
        host = (last_seen_on or down)[0]
        raise BackendUnavailable(host.url, host.reason or "no answer yet")
    raise ModelNotFound(model)
