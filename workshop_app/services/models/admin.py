"""Changing what the hosts hold: pull, delete, load (warm up) and unload models.

These are for instructors and admins; every function takes the acting person and
checks the role first, so the UI and the REST API make the same decision. After a
change the affected host is checked again, so the catalog shows the new state.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from workshop_app.db.users import Role
from workshop_app.services.core.errors import NotFound
from workshop_app.services.core.jobs import Job, JobKind, anyone, get_jobs
from workshop_app.services.models.catalog import load_catalog
from workshop_app.services.models.names import validate_model_name
from workshop_app.services.models.recipes import forget_built_model
from workshop_app.services.ollama.backends import backend_by_url, get_monitor
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.errors import BackendUnavailable, ModelDidNotLoad, ModelNotFound
from workshop_app.services.ollama.health_monitor import HealthMonitor, HostState
from workshop_app.services.ollama.pulls import pull_work
from workshop_app.services.ollama.router import canonical_name, pick_host
from workshop_app.services.ollama.scheduler import QueueBusy
from workshop_app.services.workshops.policy import Actor, require_role

KEEP_LOADED = "30m"
"""How long a warmed-up model stays in memory without requests (Ollama's keep_alive)."""


def require_manager(actor: Actor | None) -> Actor:
    """Instructors and admins manage models; attendees use them."""
    return require_role(actor, Role.INSTRUCTOR, Role.ADMIN)


PULL = JobKind(
    "pull",
    "bytes",
    may_see=anyone,
    may_manage=lambda actor, _job: require_manager(actor),
    keep_done_s=20.0,  # long enough to see it end, then the model list says the rest
    keep_ended_s=300.0,  # failed or cancelled: people see how it ended (unless dismissed)
)
"""A model being pulled to a shared host: anyone may watch, instructors and admins start, cancel, dismiss."""


Backends = tuple[OllamaBackend, ...] | None


async def _known_states(monitor: HealthMonitor) -> list[HostState]:
    """The hosts' last known states; a host never checked yet gets a whole probe timeout to answer,
    not a page's second: an instructor's load, pull or delete acts on what it finds."""
    return await monitor.current(max_wait=monitor.probe_timeout)


async def _target(name: str, host: str | None, backends: Backends) -> OllamaBackend:
    """The given host, or the router's choice for a model that is installed."""
    monitor = get_monitor(backends)
    if host:
        return backend_by_url(host, tuple(monitor.backends))
    return backend_by_url(pick_host(name, await _known_states(monitor), QueueBusy()), tuple(monitor.backends))


async def _hosts_with(
    name: str, host: str | None, backends: Backends, *, loaded_only: bool = False
) -> list[OllamaBackend]:
    """The hosts holding the model (or just `host`); 404 if none, 503 if it was last seen on a down host."""
    monitor = get_monitor(backends)
    states = await _known_states(monitor)
    pick_host(name, states, QueueBusy())
    wanted = canonical_name(name)
    urls = [
        state.url
        for state in states
        if state.reachable
        and state.has(wanted)
        and (not loaded_only or state.running_model(wanted))
        and (not host or state.url == host.rstrip("/"))
    ]
    if host and not urls and not loaded_only:
        raise ModelNotFound(name, host)
    return [backend_by_url(url, tuple(monitor.backends)) for url in urls]


async def _embedding_only(name: str, backends: Backends) -> bool:
    """Embedding models cannot generate, so they are loaded through an empty embed request."""
    summary = (await load_catalog(backends)).find(name)
    capabilities = summary.capabilities if summary else ()
    return "embedding" in capabilities and "completion" not in capabilities


async def _recheck(backends: Backends, *urls: str) -> None:
    await get_monitor(backends).refresh(urls)


async def start_pull(actor: Actor | None, name: str, host: str | None = None, backends: Backends = None) -> Job:
    """Start pulling (or join the pull of) `name` on `host`, by default the first reachable host."""
    require_manager(actor)
    model = validate_model_name(name)
    monitor = get_monitor(backends)
    states = await _known_states(monitor)
    if host:
        backend = backend_by_url(host, tuple(monitor.backends))
    else:
        up = [state for state in states if state.reachable]
        if not up:
            raise BackendUnavailable(states[0].url, states[0].reason or "no answer yet")
        backend = backend_by_url(up[0].url, tuple(monitor.backends))
    work = pull_work(backend, model, on_success=lambda: _recheck(backends, backend.url))
    return await get_jobs().start(actor, PULL, model, work, place=backend.url, single=True)


async def _pull_of(actor: Actor | None, name: str, host: str) -> Job:
    """The pull of `name` on `host` the Models page shows; 404 if there is none."""
    job = await get_jobs().find(actor, PULL, validate_model_name(name), host.rstrip("/"))
    if job is None:
        raise ModelNotFound(name, host)
    return job


async def cancel_pull(actor: Actor | None, name: str, host: str) -> Job:
    """Stop a running pull; its HTTP request to Ollama is closed."""
    require_manager(actor)
    return await get_jobs().cancel(actor, (await _pull_of(actor, name, host)).id)


async def dismiss_pull(actor: Actor | None, name: str, host: str) -> None:
    """Take a failed, cancelled or finished pull's card off the Models page (for everyone watching)."""
    require_manager(actor)
    await get_jobs().dismiss(actor, (await _pull_of(actor, name, host)).id)


async def watch_pull(actor: Actor | None, job_id: str, every: float) -> AsyncIterator[Job]:
    """The pull's progress every `every` seconds, ending with how it ended (or when it was dismissed)."""
    while True:
        try:
            job = await get_jobs().get(actor, job_id)
        except NotFound:
            return
        yield job
        if not job.active:
            return
        await asyncio.sleep(every)


async def pull_progress() -> list[Job]:
    """Pulls running now or finished in the last minutes (anyone may watch)."""
    return await get_jobs().listed(None, PULL)


async def load_model(actor: Actor | None, name: str, host: str | None = None, backends: Backends = None) -> str:
    """Warm a model up so the first request does not wait for loading; returns the host URL.

    Success is what Ollama's /api/ps says afterwards, not that the load request was answered:
    a model it does not list is reported as ModelDidNotLoad.
    """
    require_manager(actor)
    backend = await _target(name, host, backends)
    embedding = await _embedding_only(name, backends)
    model = canonical_name(name)
    await backend.set_residency(model, KEEP_LOADED, embedding=embedding)
    await _recheck(backends, backend.url)
    if not any(canonical_name(running.name) == model for running in await backend.loaded_models()):
        raise ModelDidNotLoad(model, backend.url)
    return backend.url


async def unload_model(actor: Actor | None, name: str, host: str | None = None, backends: Backends = None) -> list[str]:
    """Free the model's memory (keep_alive 0) on `host` or wherever it is loaded; returns the host URLs."""
    require_manager(actor)
    targets = await _hosts_with(name, host, backends, loaded_only=True)
    embedding = await _embedding_only(name, backends)
    for backend in targets:
        await backend.set_residency(canonical_name(name), 0, embedding=embedding)
    await _recheck(backends, *(backend.url for backend in targets))
    return [backend.url for backend in targets]


async def delete_model(actor: Actor | None, name: str, host: str | None = None, backends: Backends = None) -> list[str]:
    """Remove the model from `host`, or from every reachable host that has it; returns the host URLs.

    A built model gone from every host loses its recipe too, so the catalog does not promise it."""
    require_manager(actor)
    targets = await _hosts_with(name, host, backends)
    for backend in targets:
        await backend.delete(canonical_name(name))
    monitor = get_monitor(backends)
    states = await monitor.refresh([backend.url for backend in targets], max_wait=2 * monitor.probe_timeout)
    if not any(state.has(canonical_name(name)) for state in states):
        forget_built_model(canonical_name(name))
    return [backend.url for backend in targets]
