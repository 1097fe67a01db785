"""The configured Ollama hosts: one client each, their health monitor, and the host for a model.

A host that refuses a request is counted down at once (for every worker, through Redis when
configured), one that drops a request as soon as a check confirms it; either way its waiting
requests fail with the outage at once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from workshop_app.process_wide import ProcessWide
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.ollama import outages
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.errors import BackendUnavailable, ModelNotFound
from workshop_app.services.ollama.health_monitor import FIRST_CHECK_WAIT_S, HealthMonitor, HostState
from workshop_app.services.ollama.router import pick_host
from workshop_app.services.ollama.scheduler import QueueBusy, scheduler_for
from workshop_app.settings import Settings, get_settings


def backends_from(settings: Settings) -> list[OllamaBackend]:
    return [
        OllamaBackend(
            url,
            connect_timeout=settings.ollama_connect_timeout,
            read_timeout=settings.ollama_read_timeout,
            attempts=settings.ollama_retries,
        )
        for url in settings.ollama_base_urls
    ]


@ProcessWide
def get_backends() -> tuple[OllamaBackend, ...]:
    """The process-wide backends from settings."""
    return tuple(backends_from(get_settings()))


_monitor: HealthMonitor | None = None


def get_monitor(backends: tuple[OllamaBackend, ...] | None = None) -> HealthMonitor:
    """The process-wide health monitor over `backends` (default: the configured ones).

    A different set of backends (settings reloaded, or a caller's own) replaces it.
    """
    global _monitor
    targets = backends if backends is not None else get_backends()
    if _monitor is None or tuple(_monitor.backends) != targets:
        if _monitor is not None:
            _monitor.stop()
        settings = get_settings()
        _monitor = HealthMonitor(
            targets,
            interval=settings.ollama_health_interval,
            max_backoff=settings.ollama_health_max_backoff,
            probe_timeout=settings.ollama_probe_timeout,
        )
        _monitor.on_down.append(_fail_queue)
        for backend in targets:
            backend.on_unavailable = _reported_by(_monitor)
    return _monitor


def _reported_by(monitor: HealthMonitor) -> Callable[[str, str, bool], None]:
    """A refused connection counts the host down now (and tells the other workers); a dropped one asks
    for a check at once, which counts it down if it fails, so one broken connection cannot take down a healthy host."""

    def unavailable(url: str, reason: str, refused: bool) -> None:
        if refused:
            monitor.mark_down(url, reason)
            outages.report(url, reason)
        else:
            monitor.check_soon(url)

    return unavailable


def _fail_queue(state: HostState) -> None:
    """A host went down: everyone waiting for it gets the outage now, not after their turn."""
    scheduler_for(state.url).fail_waiting(lambda: BackendUnavailable(state.url, state.reason or "no answer"))


def backend_by_url(url: str, backends: tuple[OllamaBackend, ...] | None = None) -> OllamaBackend:
    """The configured backend at `url`; InvalidInput names the configured ones otherwise."""
    candidates = backends if backends is not None else get_backends()
    for backend in candidates:
        if backend.url == url.rstrip("/"):
            return backend
    known = ", ".join(backend.url for backend in candidates)
    raise InvalidInput(f"{url} is not a configured Ollama host.", hint=f"Use one of: {known}.")


async def backend_for(model: str, backends: tuple[OllamaBackend, ...] | None = None) -> OllamaBackend:
    """The host to send `model` to, from the hosts' last known state.

    When no host is known to have the model (it may have been pulled since the last
    check), or all hosts were down at the last check, the hosts are checked again, waiting at
    most a second, before giving up.
    Raises ModelNotFound when reachable hosts lack it, BackendUnavailable when none answer.
    """
    monitor = get_monitor(backends)
    for url, reason in (await outages.reported([b.url for b in monitor.backends])).items():
        monitor.mark_down(url, reason)
    try:
        url = pick_host(model, await monitor.current(), QueueBusy())
    except (ModelNotFound, BackendUnavailable):
        url = pick_host(model, await monitor.refresh(max_wait=FIRST_CHECK_WAIT_S), QueueBusy())
    return backend_by_url(url, tuple(monitor.backends))


def alternative_for(
    model: str, avoid: Collection[str], backends: tuple[OllamaBackend, ...] | None = None
) -> OllamaBackend | None:
    """Another healthy host that has `model` (from the last known states, without waiting), if any."""
    monitor = get_monitor(backends)
    states = [state for state in monitor.states() if state.url not in avoid]
    try:
        return backend_by_url(pick_host(model, states, QueueBusy()), tuple(monitor.backends))
    except (ModelNotFound, BackendUnavailable):
        return None
