"""The model builder: a new model from a base, a system prompt, parameters, a template and few-shot examples.

The model is made with Ollama's /api/create on every reachable host that has the base,
so the router can send it anywhere its base could go. It is all or nothing: when one
host fails, the hosts already done are put back as they were (the new model deleted, or
the previous version made again), and no recipe is kept. The recipe row records base and
author for the catalog and travels in workshop bundles. Instructors and admins build;
attendees build where their workshop allows it, and change only what they built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from workshop_app.db.users import Role
from workshop_app.services.core.errors import Conflict, Forbidden, InvalidInput, NotFound, WorkshopError
from workshop_app.services.models.names import validate_model_name
from workshop_app.services.models.recipes import (
    Recipe,
    all_recipes,
    allow_in_workshops,
    find_recipe,
    forget_built_model,
    save_recipe,
)
from workshop_app.services.ollama.backends import backend_by_url, get_monitor
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.errors import BackendUnavailable, ModelNotFound
from workshop_app.services.ollama.health_monitor import HostState
from workshop_app.services.ollama.router import canonical_name
from workshop_app.services.workshops.policy import Actor, require_actor, require_model, usable_models

Backends = tuple[OllamaBackend, ...] | None

MAX_TEXT = 20_000
MAX_MESSAGES = 20
NUMBER_PARAMETERS = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "min_p": (0.0, 1.0),
    "typical_p": (0.0, 1.0),
    "repeat_penalty": (0.0, 2.0),
    "presence_penalty": (-2.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
    "mirostat_tau": (0.0, 10.0),
    "mirostat_eta": (0.0, 1.0),
}
INTEGER_PARAMETERS = {
    "num_ctx": (1, 1_048_576),
    "num_predict": (-2, 1_048_576),
    "top_k": (0, 1000),
    "seed": (-(2**31), 2**31 - 1),
    "repeat_last_n": (-1, 1_048_576),
    "mirostat": (0, 2),
}
ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class BuiltModel:
    """What a build (or copy) made: the model, the hosts it is on, and the workshops whose list it joined."""

    recipe: Recipe
    hosts: tuple[str, ...]
    workshops: tuple[int, ...] = ()


# -- checking the form -----------------------------------------------------------------------------


def checked_recipe(recipe: Recipe) -> Recipe:
    """The recipe with names made canonical and every field checked; InvalidInput (422) names the problem."""
    name = canonical_name(validate_model_name(recipe.name))
    base = canonical_name(validate_model_name(recipe.base))
    if name == base:
        raise InvalidInput(f"The new model needs a name of its own, not its base's ({base}).")
    for label, text in (("system prompt", recipe.system), ("template", recipe.template)):
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"The {label} has {len(text):,} characters; at most {MAX_TEXT:,} are kept.")
    return replace(
        recipe,
        name=name,
        base=base,
        system=recipe.system.strip(),
        template=recipe.template.strip(),
        parameters=checked_parameters(recipe.parameters or {}),
        messages=checked_messages(recipe.messages),
    )


def checked_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """Ollama's model parameters with values in range; `stop` is a list of strings."""
    checked: dict[str, Any] = {}
    for key, value in parameters.items():
        if key == "stop":
            stops = [value] if isinstance(value, str) else value
            if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops) or len(stops) > 8:
                raise InvalidInput("stop must be up to 8 non-empty strings.")
            checked[key] = stops
        elif key in INTEGER_PARAMETERS or key in NUMBER_PARAMETERS:
            checked[key] = _number(key, value)
        else:
            known = ", ".join(["stop", *INTEGER_PARAMETERS, *NUMBER_PARAMETERS])
            raise InvalidInput(f"'{key}' is not a model parameter the builder sets.", hint=f"Use one of: {known}.")
    return checked


def _number(key: str, value: Any) -> int | float:
    integer = key in INTEGER_PARAMETERS
    low, high = INTEGER_PARAMETERS.get(key) or NUMBER_PARAMETERS[key]
    valid_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not valid_type or not math.isfinite(value) or not low <= value <= high:
        kind = "a whole number" if integer else "a number"
        raise InvalidInput(f"{key} must be {kind} from {low:g} to {high:g} (got {value!r}).")
    return value


def checked_messages(messages: tuple[dict[str, str], ...] | list[dict[str, str]]) -> tuple[dict[str, str], ...]:
    """Few-shot examples: system, user or assistant turns with text."""
    if len(messages) > MAX_MESSAGES:
        raise InvalidInput(f"At most {MAX_MESSAGES} example messages are kept (got {len(messages)}).")
    checked = []
    for number, message in enumerate(messages, start=1):
        role, content = message.get("role"), message.get("content")
        if role not in ROLES or not isinstance(content, str) or not content.strip():
            raise InvalidInput(f"Example message {number} needs a role ({', '.join(ROLES)}) and some text.")
        if len(content) > MAX_TEXT:
            raise InvalidInput(f"Example message {number} is longer than {MAX_TEXT:,} characters.")
        checked.append({"role": str(role), "content": content})
    return tuple(checked)


# -- who may build ---------------------------------------------------------------------------------


def require_builder(actor: Actor | None) -> Actor:
    """Instructors and admins build; attendees only where their workshop allows it."""
    actor = require_actor(actor)
    if actor.role == Role.ATTENDEE and not actor.may_build_models:
        raise Forbidden("Your workshop does not let attendees build models.", hint="Ask your instructor.")
    return actor


def _require_owner(actor: Actor, recipe: Recipe) -> None:
    """Attendees change only the models they built; instructors and admins any built model."""
    if actor.role == Role.ATTENDEE and recipe.creator_id != actor.id:
        raise Forbidden(f"{recipe.name} was built by {recipe.author or 'someone else'}; only they may change it.")


def may_build(actor: Actor | None) -> bool:
    """Whether the builder form is offered to this person."""
    return actor is not None and (actor.role != Role.ATTENDEE or actor.may_build_models)


# -- the hosts ---------------------------------------------------------------------------------------


async def _fresh_states(backends: Backends, urls: list[str] | None = None) -> list[HostState]:
    """A new reading of the hosts (all, or `urls`): a name taken a moment ago is seen, and a change made now
    shows in the catalog. A decision waits up to two probe timeouts, not a page's second."""
    monitor = get_monitor(backends)
    return await monitor.refresh(urls, max_wait=2 * monitor.probe_timeout)


def _hosts_having(states: list[HostState], model: str, backends: Backends) -> list[OllamaBackend]:
    """The reachable hosts that list `model`; 503 if only a host that is down had it, 404 if none."""
    urls = [state.url for state in states if state.reachable and state.has(model)]
    if not urls:
        down = next((state for state in states if not state.reachable and state.has(model)), None)
        down = down or next((state for state in states if not state.reachable), None)
        if down is not None:  # it may have the base: missing is said only when every host answered
            raise BackendUnavailable(down.url, down.reason or "no answer yet")
        raise NotFound(
            f"The base model {model} is not on any Ollama host.",
            hint=f"Pull {model} on the Models page first, or choose a base from the catalog.",
        )
    return [backend_by_url(url, tuple(get_monitor(backends).backends)) for url in urls]


def _refuse_taken(states: list[HostState], recipe: Recipe, *, replacing: bool) -> Recipe | None:
    """The previous recipe when replacing one; Conflict (409) when the name is taken otherwise."""
    previous = find_recipe(recipe.name)
    on_a_host = any(state.has(recipe.name) for state in states)
    if replacing and previous is not None:
        return previous
    if replacing and on_a_host:
        raise Conflict(
            f"{recipe.name} is a pulled model, not one built here, so it cannot be replaced.",
            hint="Choose another name for the new model.",
        )
    if previous is not None or on_a_host:
        raise Conflict(
            f"A model named {recipe.name} already exists.",
            hint="Choose another name, or confirm that the new version replaces it.",
        )
    return None


async def _create(backend: OllamaBackend, recipe: Recipe) -> None:
    await backend.create(
        recipe.name,
        recipe.base,
        system=recipe.system,
        template=recipe.template,
        parameters=recipe.parameters,
        messages=list(recipe.messages),
    )


async def _undo(done: list[OllamaBackend], name: str, previous: Recipe | None) -> None:
    """Put the hosts already done back as they were: the previous version again, or no model at all."""
    for backend in done:
        try:
            await (_create(backend, previous) if previous is not None else backend.delete(name))
        except WorkshopError:
            continue  # gone already, or that host fell over too: nothing left to undo there


async def _on_every_host(targets: list[OllamaBackend], recipe: Recipe, previous: Recipe | None) -> None:
    done: list[OllamaBackend] = []
    try:
        for backend in targets:
            await _create(backend, recipe)
            done.append(backend)
    except BaseException:
        await _undo([*done, *targets[len(done) : len(done) + 1]], recipe.name, previous)
        raise


# -- building, copying, deleting ---------------------------------------------------------------------


async def build_model(
    actor: Actor | None, recipe: Recipe, *, replacing: bool = False, backends: Backends = None
) -> BuiltModel:
    """Make the model on every host with its base; `replacing` (an edit, after confirmation) rebuilds it."""
    actor = require_builder(actor)
    recipe = checked_recipe(recipe)
    require_model(actor, recipe.base)
    states = await _fresh_states(backends)
    previous = _refuse_taken(states, recipe, replacing=replacing)
    if previous is not None:
        _require_owner(actor, previous)
    targets = _hosts_having(states, recipe.base, backends)
    await _on_every_host(targets, recipe, previous)
    try:
        save_recipe(actor, recipe)
    except BaseException:
        await _undo(targets, recipe.name, previous)
        raise
    workshops = allow_in_workshops(actor, recipe.name, recipe.base)
    await _fresh_states(backends, [backend.url for backend in targets])
    saved = find_recipe(recipe.name) or recipe
    return BuiltModel(saved, tuple(backend.url for backend in targets), tuple(workshops))


async def copy_model(actor: Actor | None, source: str, destination: str, *, backends: Backends = None) -> BuiltModel:
    """A copy of a built model under a new name (/api/copy on every host that has it), with its own recipe."""
    actor = require_builder(actor)
    original = built_recipe(source)
    target = replace(original, name=destination)
    recipe = checked_recipe(target)
    states = await _fresh_states(backends)
    _refuse_taken(states, recipe, replacing=False)
    hosts = _hosts_having(states, original.name, backends)
    done: list[OllamaBackend] = []
    try:
        for backend in hosts:
            await backend.copy(original.name, recipe.name)
            done.append(backend)
        save_recipe(actor, recipe)
    except BaseException:
        await _undo([*done, *hosts[len(done) : len(done) + 1]], recipe.name, None)
        raise
    workshops = allow_in_workshops(actor, recipe.name, recipe.base)
    await _fresh_states(backends, [backend.url for backend in hosts])
    return BuiltModel(find_recipe(recipe.name) or recipe, tuple(b.url for b in hosts), tuple(workshops))


async def delete_built_model(actor: Actor | None, name: str, *, backends: Backends = None) -> list[str]:
    """Remove a built model from every reachable host and its recipe; returns the hosts it was removed from."""
    actor = require_builder(actor)
    recipe = built_recipe(name)
    _require_owner(actor, recipe)
    states = await _fresh_states(backends)
    removed = []
    for state in states:
        if state.reachable and state.has(recipe.name):
            try:
                await backend_by_url(state.url, tuple(get_monitor(backends).backends)).delete(recipe.name)
            except ModelNotFound:
                continue
            removed.append(state.url)
    forget_built_model(recipe.name)
    await _fresh_states(backends, removed or None)
    return removed


def built_recipe(name: str) -> Recipe:
    """The recipe of a model built here; NotFound for any other name."""
    recipe = find_recipe(canonical_name(validate_model_name(name)))
    if recipe is None:
        raise NotFound(
            f"{name} was not built here, so it has no recipe.",
            hint="Only models made with the model builder can be copied or deleted here.",
        )
    return recipe


def list_recipes(actor: Actor | None) -> list[Recipe]:
    """The recipes of the built models this person may use (an attendee: those on their workshop's list)."""
    actor = require_actor(actor)
    recipes = all_recipes()
    return [recipes[name] for name in usable_models(actor, recipes)]


async def recreate_models(actor: Actor | None, names: tuple[str, ...], *, backends: Backends = None) -> dict[str, str]:
    """Make the models of saved recipes (an imported bundle's) where they are missing; one line per model.

    A model already on every host with its base is left alone; one whose base no host has is
    reported, not raised, so the rest of the import stands.
    """
    actor = require_builder(actor)
    states = await _fresh_states(backends)
    outcomes = {}
    for name in names:
        recipe = find_recipe(name)
        if recipe is None:
            continue
        try:
            targets = [b for b in _hosts_having(states, recipe.base, backends) if not _has(states, b.url, name)]
            await _on_every_host(targets, recipe, None)
        except WorkshopError as error:
            outcomes[name] = f"not made: {error.message}"
            continue
        outcomes[name] = f"made on {len(targets)} host(s)" if targets else "already there"
    await _fresh_states(backends)
    return outcomes


def _has(states: list[HostState], url: str, name: str) -> bool:
    return any(state.url == url and state.has(name) for state in states)


FORM_PARAMETERS = ("temperature", "top_p", "top_k", "num_ctx", "num_predict", "seed", "repeat_penalty")
"""The parameters the builder form offers as fields (the REST API takes any of Ollama's)."""


def parameters_from_fields(fields: dict[str, str], stop: str = "") -> dict[str, Any]:
    """The form's text fields as parameters: empty fields are left to the base; `stop` is comma-separated."""
    parameters: dict[str, Any] = {}
    for key, text in fields.items():
        text = text.strip()
        if not text:
            continue
        try:
            parameters[key] = int(text) if key in INTEGER_PARAMETERS else float(text)
        except ValueError:
            kind = "a whole number" if key in INTEGER_PARAMETERS else "a number"
            hint = "Leave it empty to keep the base's."
            raise InvalidInput(f"{key} must be {kind} (got {text!r}).", hint=hint) from None
    stops = [part.strip() for part in stop.split(",") if part.strip()]
    if stops:
        parameters["stop"] = stops
    return checked_parameters(parameters)
