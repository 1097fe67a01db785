"""The instructor's dashboard, from real chats through the service layer to the fake Ollama."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from workshop_app.db.users import Role
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.core.errors import RateLimited, WorkshopError
from workshop_app.services.ollama.backends import get_monitor
from workshop_app.services.ollama.errors import BackendError
from workshop_app.services.ollama.scheduler import set_host_slots
from workshop_app.services.ollama.types import BUILTIN_ENGINE
from workshop_app.services.workshops.dashboard import workshop_dashboard
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop

MODEL = "qwen2.5:0.5b"


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Accounts, workshops and request records live in the session database."""


async def chat(user_id: int, text: str = "hi") -> None:
    async for _ in stream_reply(MODEL, [{"role": "user", "content": text}], user_id=user_id):
        pass


async def test_the_dashboard_shows_each_attendees_use(fake_ollama: FakeOllama) -> None:
    instructor = make_user(Role.INSTRUCTOR, "teacher")
    workshop = create_workshop(actor_of(instructor), WorkshopDraft(title="Live", requests_per_minute=3))
    busy, quiet, idle = (make_user(Role.ATTENDEE, name, workshop_id=workshop.id) for name in ("busy", "quiet", "idle"))

    await chat(busy.id)
    await chat(busy.id)
    fake_ollama.config.fault = "error_mid_stream"
    with pytest.raises(BackendError):
        await chat(busy.id)
    fake_ollama.config.fault = None
    with pytest.raises(RateLimited):
        await chat(busy.id)
    await chat(quiet.id)

    board = await workshop_dashboard(actor_of(instructor), workshop.id)
    rows = {row.user_id: row for row in board.attendees}
    assert (rows[busy.id].requests, rows[busy.id].errors, rows[busy.id].rate_limited) == (3, 1, 1)
    assert rows[busy.id].tokens > rows[quiet.id].tokens > 0
    assert (rows[quiet.id].requests, rows[quiet.id].errors, rows[quiet.id].rate_limited) == (1, 0, 0)
    assert rows[busy.id].online and rows[quiet.id].online
    assert not rows[idle.id].online and rows[idle.id].last_activity is None and rows[idle.id].requests == 0
    assert board.online == 2
    assert sum(minute.requests for minute in board.per_minute) == 4
    assert [(host.url, host.in_flight, host.waiting) for host in board.hosts] == [(fake_ollama.url, 0, 0)]


async def test_the_dashboard_shows_the_queue_on_each_host(fake_ollama: FakeOllama) -> None:
    fake_ollama.config.token_delay = 0.05
    fake_ollama.config.reply_tokens = 20
    instructor = make_user(Role.INSTRUCTOR, "teacher")
    workshop = create_workshop(actor_of(instructor), WorkshopDraft(title="Queue"))
    people = [make_user(Role.ATTENDEE, f"a{n}", workshop_id=workshop.id) for n in range(3)]
    chats = [asyncio.create_task(chat(person.id)) for person in people]
    seen = set()
    while not all(task.done() for task in chats):
        board = await workshop_dashboard(actor_of(instructor), workshop.id)
        seen.add((board.hosts[0].in_flight, board.hosts[0].waiting))
        await asyncio.sleep(0.05)
    await asyncio.gather(*chats)
    assert {(1, 2), (1, 1), (1, 0)} <= seen  # one at a time on a parallelism-1 host, the others queued
    assert max(in_flight for in_flight, _ in seen) == 1


async def test_the_dashboard_names_the_built_in_engine_whose_address_is_only_a_local_port(
    fake_ollama: FakeOllama,
) -> None:
    instructor = make_user(Role.INSTRUCTOR, "teacher")
    workshop = create_workshop(actor_of(instructor), WorkshopDraft(title="Engine"))
    await get_monitor().refresh()
    board = await workshop_dashboard(actor_of(instructor), workshop.id)
    assert [(host.url, host.engine) for host in board.hosts] == [(fake_ollama.url, "Ollama")]
    fake_ollama.config.engine, fake_ollama.config.slots = BUILTIN_ENGINE, 2
    try:
        await get_monitor().refresh()
        board = await workshop_dashboard(actor_of(instructor), workshop.id)
        assert [(host.engine, host.parallelism) for host in board.hosts] == [("Built-in engine", 2)]
    finally:
        set_host_slots(fake_ollama.url, None)


async def test_only_the_people_running_the_workshop_see_it(fake_ollama: FakeOllama) -> None:
    workshop = create_workshop(actor_of(make_user(Role.INSTRUCTOR, "owner")), WorkshopDraft(title="Private"))
    attendee = make_user(Role.ATTENDEE, "member", workshop_id=workshop.id)
    for outsider in (make_user(Role.INSTRUCTOR, "other"), attendee):
        with pytest.raises(WorkshopError) as refused:
            await workshop_dashboard(actor_of(outsider), workshop.id)
        assert refused.value.status_code in (403, 404)
