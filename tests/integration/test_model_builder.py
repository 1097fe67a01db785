"""The model builder through the services, against two fake hosts: made everywhere or nowhere."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import reset_settings_caches
from tests.support.accounts import actor_of, make_user, unique_name
from tests.support.two_hosts import Hosts, second_server, two_hosts  # noqa: F401  (fixtures)
from workshop_app.db.users import Role
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from workshop_app.services.models import admin as model_admin
from workshop_app.services.models import builder
from workshop_app.services.models.catalog import catalog_for
from workshop_app.services.models.recipes import Recipe, find_recipe
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.errors import BackendError
from workshop_app.services.workshops.bundles import export_bundle, import_bundle, recreate_imported
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop, get_workshop

BASE = "llama3.2:1b"


async def installed(url: str) -> set[str]:
    return {info.name for info in await OllamaBackend(url).list_models()}


def persona(name: str, **changes: object) -> Recipe:
    values: dict = {
        "name": name,
        "base": BASE,
        "system": "You are a pirate. Answer in one sentence.",
        "parameters": {"temperature": 0.2, "stop": ["<END>"]},
        "messages": ({"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Arr, ahoy!"}),
    }
    return Recipe(**(values | changes))  # type: ignore[arg-type]


@pytest.fixture
def instructor(two_hosts: Hosts, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WORKSHOP_OLLAMA_PROBE_TIMEOUT", "3")  # a loaded test machine still gets whole answers
    reset_settings_caches()
    return actor_of(make_user(Role.INSTRUCTOR, "builder"))


async def test_a_model_is_built_on_both_hosts_with_its_recipe_in_the_catalog(two_hosts: Hosts, instructor) -> None:
    name = f"{unique_name('pirate')}:v1"
    built = await builder.build_model(instructor, persona(name))
    assert set(built.hosts) == {two_hosts.a.url, two_hosts.b.url}
    for url in (two_hosts.a.url, two_hosts.b.url):
        assert name in await installed(url)
        show = await OllamaBackend(url).show(name)
        assert show["system"] == "You are a pirate. Answer in one sentence."
        assert show["messages"] == [dict(message) for message in persona(name).messages]
        assert "temperature" in show["parameters"]
    summary = (await catalog_for(instructor)).find(name)
    assert summary is not None
    assert (summary.built_from, summary.built_by) == (BASE, "Builder")


async def test_failure_on_the_second_host_removes_the_model_from_the_first(two_hosts: Hosts, instructor) -> None:
    name = f"{unique_name('halfway')}:v1"
    two_hosts.b.config.fault = "http_500"
    with pytest.raises(BackendError):
        await builder.build_model(instructor, persona(name))
    two_hosts.b.config.fault = None
    assert name not in await installed(two_hosts.a.url)
    assert name not in await installed(two_hosts.b.url)
    assert find_recipe(name) is None


async def test_a_taken_name_is_refused_and_replacing_needs_confirmation(two_hosts: Hosts, instructor) -> None:
    name = f"{unique_name('taken')}:v1"
    await builder.build_model(instructor, persona(name))
    with pytest.raises(Conflict, match="already exists"):
        await builder.build_model(instructor, persona(name, system="Something else."))
    await builder.build_model(instructor, persona(name, system="A calm librarian."), replacing=True)
    assert (await OllamaBackend(two_hosts.b.url).show(name))["system"] == "A calm librarian."
    recipe = find_recipe(name)
    assert recipe is not None and recipe.system == "A calm librarian."
    with pytest.raises(Conflict, match="pulled model"):
        await builder.build_model(instructor, persona("qwen2.5:0.5b"), replacing=True)


async def test_a_failed_edit_puts_the_previous_version_back(two_hosts: Hosts, instructor) -> None:
    name = f"{unique_name('edit')}:v1"
    await builder.build_model(instructor, persona(name, system="First version."))
    two_hosts.b.config.fault = "http_500"
    with pytest.raises(BackendError):
        await builder.build_model(instructor, persona(name, system="Second version."), replacing=True)
    two_hosts.b.config.fault = None
    assert (await OllamaBackend(two_hosts.a.url).show(name))["system"] == "First version."
    assert find_recipe(name).system == "First version."  # type: ignore[union-attr]


async def test_a_missing_base_is_a_clear_404_and_nothing_is_made(two_hosts: Hosts, instructor) -> None:
    name = f"{unique_name('orphan')}:v1"
    with pytest.raises(NotFound, match="base model gemma3:1b is not on any Ollama host"):
        await builder.build_model(instructor, persona(name, base="gemma3:1b"))
    assert name not in await installed(two_hosts.a.url) | await installed(two_hosts.b.url)


async def test_the_base_on_one_host_builds_there_only(two_hosts: Hosts, instructor) -> None:
    await OllamaBackend(two_hosts.b.url).delete("qwen2.5:0.5b")
    name = f"{unique_name('single')}:v1"
    built = await builder.build_model(instructor, persona(name, base="qwen2.5:0.5b"))
    assert built.hosts == (two_hosts.a.url,)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "bad name!"}, "not a valid model name"),
        ({"name": BASE}, "name of its own"),
        ({"parameters": {"temperature": 9}}, "temperature must be a number from 0 to 2"),
        ({"parameters": {"num_gpu": 1}}, "not a model parameter"),
        ({"parameters": {"top_k": 1.5}}, "top_k must be a whole number"),
        ({"messages": ({"role": "robot", "content": "x"},)}, "Example message 1 needs a role"),
    ],
)
async def test_bad_input_is_refused_before_any_host_is_asked(
    two_hosts: Hosts, instructor, changes: dict, message: str
) -> None:
    before = two_hosts.a.stats.requests.get("/api/create", 0)
    with pytest.raises(InvalidInput, match=message):
        await builder.build_model(instructor, persona(changes.pop("name", "fine:v1"), **changes))
    assert two_hosts.a.stats.requests.get("/api/create", 0) == before


async def test_attendees_build_only_where_the_workshop_allows_it(two_hosts: Hosts, instructor) -> None:
    workshop = create_workshop(instructor, WorkshopDraft(unique_name("ws"), allowed_models=(BASE,)))
    attendee = actor_of(make_user(Role.ATTENDEE, "learner", workshop_id=workshop.id))
    with pytest.raises(Forbidden, match="does not let attendees build"):
        await builder.build_model(attendee, persona(f"{unique_name('no')}:v1"))
    from workshop_app.db.engine import session_scope
    from workshop_app.db.workshops import Workshop

    with session_scope() as session:
        row = session.get(Workshop, workshop.id)
        row.attendees_build_models = True  # type: ignore[union-attr]
        session.add(row)
    attendee = actor_of(make_user(Role.ATTENDEE, "learner", workshop_id=workshop.id))
    name = f"{unique_name('mine')}:v1"
    built = await builder.build_model(attendee, persona(name))
    assert built.workshops == (workshop.id,)
    assert name in actor_of(make_user(Role.ATTENDEE, "other", workshop_id=workshop.id)).allowed_models
    with pytest.raises(Forbidden, match="Your workshop does not use gemma3:1b"):
        await builder.build_model(attendee, persona(f"{unique_name('x')}:v1", base="gemma3:1b"))


async def test_copy_and_delete_act_on_every_host_and_the_recipe(two_hosts: Hosts, instructor) -> None:
    name = f"{unique_name('orig')}:v1"
    copy = f"{unique_name('copy')}:v1"
    await builder.build_model(instructor, persona(name))
    copied = await builder.copy_model(instructor, name, copy)
    assert copied.recipe.base == BASE and copied.recipe.system == persona(name).system
    assert copy in await installed(two_hosts.a.url) and copy in await installed(two_hosts.b.url)
    with pytest.raises(Conflict):
        await builder.copy_model(instructor, name, copy)
    removed = await builder.delete_built_model(instructor, name)
    assert set(removed) == {two_hosts.a.url, two_hosts.b.url}
    assert name not in await installed(two_hosts.a.url) | await installed(two_hosts.b.url)
    assert find_recipe(name) is None and find_recipe(copy) is not None
    with pytest.raises(NotFound, match="was not built here"):
        await builder.delete_built_model(instructor, BASE)


async def test_a_bundle_carries_the_recipe_and_import_makes_the_model_again(
    two_hosts: Hosts, instructor, tmp_path
) -> None:
    workshop = create_workshop(instructor, WorkshopDraft(unique_name("ws"), allowed_models=(BASE,)))
    teacher = replace(instructor, teaching=instructor.teaching | {workshop.id})
    name = f"{unique_name('carried')}:v1"
    await builder.build_model(teacher, persona(name))
    exported = export_bundle(teacher, workshop.id)  # type: ignore[arg-type]
    assert exported.counts["model_recipes"] == 1
    path = tmp_path / exported.filename
    path.write_bytes(exported.data)
    await builder.delete_built_model(teacher, name)  # as on another machine: neither model nor recipe

    importer = actor_of(make_user(Role.INSTRUCTOR, "importer"))
    imported = import_bundle(importer, path)
    assert imported.counts["model_recipes"] == 1
    assert await recreate_imported(importer, imported) == {name: "made on 2 host(s)"}
    for url in (two_hosts.a.url, two_hosts.b.url):
        show = await OllamaBackend(url).show(name)
        assert show["system"] == persona(name).system
        assert show["messages"] == [dict(message) for message in persona(name).messages]
    recipe = find_recipe(name)
    assert recipe is not None and (recipe.base, recipe.author) == (BASE, "Importer")
    assert name in get_workshop(actor_of(make_user(Role.ADMIN, "admin")), imported.workshop_id).allowed_models
    assert await recreate_imported(importer, imported) == {name: "already there"}


async def test_deleting_a_built_model_on_the_models_page_drops_its_recipe(two_hosts: Hosts, instructor) -> None:
    name = f"{unique_name('gone')}:v1"
    await builder.build_model(instructor, persona(name))
    await model_admin.delete_model(instructor, name, two_hosts.a.url)
    assert find_recipe(name) is not None  # still on host b
    await model_admin.delete_model(instructor, name)
    assert find_recipe(name) is None
    assert (await catalog_for(instructor)).find(name) is None


async def test_a_copy_that_fails_on_the_second_host_leaves_no_copy_on_the_first(two_hosts: Hosts, instructor) -> None:
    name, copy = f"{unique_name('src')}:v1", f"{unique_name('dst')}:v1"
    await builder.build_model(instructor, persona(name))
    two_hosts.b.config.fault = "http_500"
    with pytest.raises(BackendError):
        await builder.copy_model(instructor, name, copy)
    two_hosts.b.config.fault = None
    assert copy not in await installed(two_hosts.a.url) | await installed(two_hosts.b.url)
    assert find_recipe(copy) is None


async def test_an_attendee_lists_only_the_built_models_their_workshop_uses(two_hosts: Hosts, instructor) -> None:
    name = f"{unique_name('listed')}:v1"
    await builder.build_model(instructor, persona(name))
    workshop = create_workshop(instructor, WorkshopDraft(unique_name("ws"), allowed_models=("qwen2.5:0.5b",)))
    attendee = actor_of(make_user(Role.ATTENDEE, "learner", workshop_id=workshop.id))
    assert name not in [recipe.name for recipe in builder.list_recipes(attendee)]
    assert name in [recipe.name for recipe in builder.list_recipes(instructor)]


async def test_a_reply_cap_the_model_was_built_with_holds_unless_the_caller_sets_one(
    two_hosts: Hosts, instructor
) -> None:
    """The platform sends every request a num_predict (the quota reserves that much), which would override
    the persona's own: the builder's "Max reply tokens" must still cut its replies."""
    name = f"{unique_name('brief')}:v1"
    await builder.build_model(instructor, persona(name, parameters={"num_predict": 7}))
    question = [{"role": "user", "content": "Tell me a long story about the sea."}]
    pieces = [chunk async for chunk in stream_reply(name, question, user_id=instructor.id)]
    sent = [host.stats.last_chat_options for host in (two_hosts.a, two_hosts.b) if host.stats.last_chat_options]
    assert sent and sent[-1]["num_predict"] == 7
    assert pieces[-1].stats is not None and pieces[-1].stats.completion_tokens <= 7

    [chunk async for chunk in stream_reply(name, question, {"num_predict": 12}, user_id=instructor.id)]
    sent = [host.stats.last_chat_options for host in (two_hosts.a, two_hosts.b)]
    assert 12 in [options.get("num_predict") for options in sent if options]  # the caller's own choice wins
