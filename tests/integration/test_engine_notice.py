"""The catalog says which engine serves the room and what that means, from what each host reports."""

from __future__ import annotations

import httpx

from tests.support.two_hosts import Hosts, second_server, two_hosts  # noqa: F401  (fixtures)
from workshop_app.db.users import Role
from workshop_app.services.chat.model_choices import chat_models
from workshop_app.services.models.catalog import load_catalog
from workshop_app.services.ollama.scheduler import set_host_slots
from workshop_app.services.ollama.types import BUILTIN_ENGINE
from workshop_app.services.workshops.policy import Actor


def as_engine(hosts: Hosts, slots: int = 4) -> None:
    hosts.a.config.engine = BUILTIN_ENGINE
    hosts.a.config.slots = slots


async def test_the_engine_host_is_named_with_its_chat_models_and_what_it_is_for(two_hosts: Hosts) -> None:
    as_engine(two_hosts)
    try:
        engine, ollama = (await load_catalog(fresh=True)).hosts
    finally:
        set_host_slots(two_hosts.a.url, None)
    assert engine.note == (
        "Built-in CPU engine with llama3.2:1b, llava:7b, qwen2.5:0.5b, qwen3:0.6b — fine for learning the flow; "
        "install Ollama (ollama.com) for larger models. "
        "With tools attached, its first reply is a tool call (teaching mode)."
    )  # the embedding model (nomic-embed-text) is not named: nobody chats with it
    assert engine.kind == "Built-in engine · 4 slots"
    assert (ollama.note, ollama.kind) == ("", "Ollama")


async def test_an_engine_without_a_chat_model_says_what_to_pull(two_hosts: Hosts) -> None:
    as_engine(two_hosts)
    for name in ("llama3.2:1b", "qwen2.5:0.5b", "llava:7b", "qwen3:0.6b"):
        httpx.request("DELETE", f"{two_hosts.a.url}/api/delete", json={"model": name}).raise_for_status()
    try:
        engine = (await load_catalog(fresh=True)).hosts[0]
    finally:
        set_host_slots(two_hosts.a.url, None)
    assert engine.note.startswith("Built-in CPU engine without a chat model yet — pull smollm2:135m")


async def test_the_playground_gets_the_note_with_its_hosts(two_hosts: Hosts) -> None:
    as_engine(two_hosts)
    try:
        _, hosts = await chat_models(Actor(id=1, role=Role.ADMIN))
    finally:
        set_host_slots(two_hosts.a.url, None)
    assert [bool(host.note) for host in hosts] == [True, False]


async def test_an_unreachable_engine_has_no_note_only_the_outage(two_hosts: Hosts) -> None:
    as_engine(two_hosts)
    try:
        await load_catalog(fresh=True)
        two_hosts.a.refuse_connections()
        engine = (await load_catalog(fresh=True)).hosts[0]
    finally:
        set_host_slots(two_hosts.a.url, None)
    assert not engine.reachable and engine.note == "" and engine.error
