"""The instructor's live view of a workshop: who is active, what they use, how busy the hosts are.

Figures per attendee cover today (UTC) from the request records; rate-limit refusals
come from the limiter's own counts (in Redis, shared by every worker, when it is set);
queue figures are the fair scheduler's, per host (`HostScheduler.load()`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case
from sqlmodel import col, func, select

from workshop_app.db.engine import session_scope
from workshop_app.db.model_requests import ModelRequest, Outcome
from workshop_app.services.ollama.backends import get_monitor
from workshop_app.services.ollama.scheduler import QueueLoad, scheduler_for
from workshop_app.services.sharing.rate_limits import get_limiter, requester_key
from workshop_app.services.workshops.lifecycle import roster
from workshop_app.services.workshops.policy import Actor
from workshop_app.settings import get_settings

ONLINE_WITHIN = timedelta(minutes=5)
CHART_MINUTES = 30


@dataclass(frozen=True)
class AttendeeActivity:
    user_id: int
    name: str
    online: bool
    requests: int
    tokens: int
    errors: int
    rate_limited: int
    last_activity: datetime | None


@dataclass(frozen=True)
class MinuteCount:
    minute: str  # HH:MM, UTC
    requests: int


@dataclass(frozen=True)
class HostQueue(QueueLoad):
    """A host's queue as the instructor reads it: which engine it is (the built-in one's URL is a bare
    local port), how many requests it runs of how many at once, how many wait."""

    engine: str


@dataclass(frozen=True)
class WorkshopDashboard:
    attendees: list[AttendeeActivity]
    hosts: list[HostQueue]
    per_minute: list[MinuteCount]

    @property
    def online(self) -> int:
        return sum(a.online for a in self.attendees)


async def workshop_dashboard(actor: Actor | None, workshop_id: int) -> WorkshopDashboard:
    """The dashboard of one workshop, for the people who run it (others: Forbidden/NotFound)."""
    now = datetime.now(UTC)
    refused = await get_limiter().refusal_counts()
    attendees, per_minute = await asyncio.to_thread(_from_database, actor, workshop_id, now, refused)
    engines = {state.url: state.server.name for state in get_monitor().states()}
    hosts = []
    for url in get_settings().ollama_base_urls:
        load = await scheduler_for(url).current_load()
        hosts.append(HostQueue(**asdict(load), engine=engines.get(url, "Ollama")))
    return WorkshopDashboard(attendees, hosts, per_minute)


def _from_database(
    actor: Actor | None, workshop_id: int, now: datetime, refused: dict[str, int]
) -> tuple[list[AttendeeActivity], list[MinuteCount]]:
    people = roster(actor, workshop_id)
    ids = [person.user_id for person in people]
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    totals = (
        select(  # type: ignore[call-overload]  # sqlmodel types select() for up to four columns; this has five
            ModelRequest.user_id,
            func.count(),
            func.sum(ModelRequest.prompt_tokens + ModelRequest.completion_tokens),
            func.sum(case((col(ModelRequest.outcome) == Outcome.ERROR, 1), else_=0)),
            func.max(ModelRequest.started_at),
        )
        .where(col(ModelRequest.user_id).in_(ids), ModelRequest.started_at >= today)
        .group_by(ModelRequest.user_id)
    )
    chart_start = (now - timedelta(minutes=CHART_MINUTES - 1)).replace(second=0, microsecond=0)
    recent = select(ModelRequest.started_at).where(
        col(ModelRequest.user_id).in_(ids), ModelRequest.started_at >= chart_start
    )
    with session_scope() as session:
        by_user = {row[0]: row[1:] for row in session.exec(totals).all()}
        started = list(session.exec(recent).all())
    attendees = []
    for person in people:
        count, tokens, errors, last_request = by_user.get(person.user_id, (0, 0, 0, None))
        last = _latest(person.last_active_at, last_request)
        attendees.append(
            AttendeeActivity(
                person.user_id,
                person.display_name,
                last is not None and now - last <= ONLINE_WITHIN,
                count,
                int(tokens or 0),
                int(errors or 0),
                refused.get(requester_key(person.user_id, None), 0),
                last,
            )
        )
    return attendees, _per_minute(started, chart_start)


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments if m is not None]
    return max(known, default=None)


def _per_minute(started: list[datetime], chart_start: datetime) -> list[MinuteCount]:
    counts = Counter((m if m.tzinfo else m.replace(tzinfo=UTC)).strftime("%H:%M") for m in started)
    minutes = [(chart_start + timedelta(minutes=n)).strftime("%H:%M") for n in range(CHART_MINUTES)]
    return [MinuteCount(minute, counts[minute]) for minute in minutes]
