"""A person's own usage: their quota and rate limit as the limiter counts them, their waits and models.

The quota and rate figures come from the very counters that refuse requests
(`RateLimiter.standing`), so the page can never say "200 left" while the next request
is refused. The token quota's day starts with the first request after the last one
ended (a moving 24 hours, not midnight), so the activity figures (requests per model,
waits in the queue) cover the same stretch of time: since the quota's day began, or,
without a quota, since midnight UTC.

A person sees their own figures; the instructors of their workshop and admins may see
them too (the Dashboard already shows instructors each attendee's tokens today).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime

from limits.errors import StorageError
from redis.exceptions import RedisError
from sqlmodel import col, func, select

from workshop_app.db.engine import session_scope
from workshop_app.db.model_requests import ModelRequest
from workshop_app.db.users import User
from workshop_app.db.workshops import WorkshopMember
from workshop_app.services.core.database_threads import off_loop
from workshop_app.services.core.errors import Forbidden, NotFound, WorkshopError
from workshop_app.services.sharing.rate_limits import DAY_S, Standing, allowance_for, get_limiter, requester_key
from workshop_app.services.workshops.policy import Actor, require_actor


class CountersUnavailable(WorkshopError):
    """The shared counters (Redis) do not answer, so the figures cannot be read now."""

    status_code = 503
    hint = "Try again in a minute; the workshop keeps running meanwhile."


@dataclass(frozen=True)
class ModelUse:
    model: str
    requests: int
    tokens: int  # prompt + reply, Ollama's counts


@dataclass(frozen=True)
class QueueWaits:
    """Waits for a turn on a host: every request that got one, and those that had to wait at all."""

    requests: int
    waited: int
    median_s: float
    longest_s: float


@dataclass(frozen=True)
class Usage:
    user_id: int
    display_name: str
    standing: Standing
    since: datetime  # the activity figures below cover requests started since then
    since_quota_day: bool  # True: `since` is when the quota's day began; False: midnight UTC
    models: list[ModelUse]
    waits: QueueWaits

    @property
    def tokens_used(self) -> int:
        """Today's tokens: the quota's own count, or without a quota the records' sum."""
        if self.standing.tokens_per_day:
            return self.standing.tokens_used
        return sum(model.tokens for model in self.models)

    @property
    def requests(self) -> int:
        return sum(model.requests for model in self.models)

    @property
    def tokens_reset_at(self) -> datetime | None:
        return _moment(self.standing.tokens_reset_at)

    @property
    def requests_free_at(self) -> datetime | None:
        return _moment(self.standing.requests_free_at)


async def my_usage(actor: Actor | None) -> Usage:
    """The signed-in person's own usage."""
    actor = require_actor(actor)
    return await usage_for(actor, actor.id)


async def usage_for(actor: Actor | None, user_id: int) -> Usage:
    """One person's usage, for them, their workshop's instructors and admins (others: Forbidden)."""
    actor = require_actor(actor)
    name = await off_loop(_visible_name, actor, user_id)
    standing = await _standing(user_id)
    since, quota_day = _period(standing, datetime.now(UTC))
    models, waits = await off_loop(_activity, user_id, since)
    return Usage(user_id, name, standing, since, quota_day, models, waits)


async def _standing(user_id: int) -> Standing:
    try:
        return await get_limiter().standing(requester_key(user_id, None), allowance_for(user_id))
    except (StorageError, RedisError) as error:
        raise CountersUnavailable(f"The usage counters cannot be read now ({error}).") from error


def _visible_name(actor: Actor, user_id: int) -> str:
    """The person's display name, if `actor` may see their usage."""
    with session_scope() as session:
        user = session.get(User, user_id)
        workshop_id = session.exec(
            select(WorkshopMember.workshop_id).where(
                WorkshopMember.user_id == user_id, col(WorkshopMember.removed_at).is_(None)
            )
        ).first()
    if actor.id != user_id and not actor.is_admin and (workshop_id is None or workshop_id not in actor.teaching):
        raise Forbidden("You may see only your own usage.", hint="Open My usage for your own figures.")
    if user is None:
        raise NotFound(f"There is no account {user_id}.")
    return user.display_name


def _period(standing: Standing, now: datetime) -> tuple[datetime, bool]:
    """Since when the activity figures count: the quota's day, else midnight UTC."""
    if not standing.tokens_per_day:
        return now.replace(hour=0, minute=0, second=0, microsecond=0), False
    if standing.tokens_reset_at is None:
        return now, True  # no quota day is running: nothing was used since the count last started again
    return datetime.fromtimestamp(standing.tokens_reset_at - DAY_S, UTC), True


def _activity(user_id: int, since: datetime) -> tuple[list[ModelUse], QueueWaits]:
    mine = (ModelRequest.user_id == user_id, col(ModelRequest.started_at) >= since)
    per_model = (
        select(ModelRequest.model, func.count(), func.sum(ModelRequest.prompt_tokens + ModelRequest.completion_tokens))
        .where(*mine)
        .group_by(ModelRequest.model)
        .order_by(func.count().desc(), ModelRequest.model)
    )
    with session_scope() as session:
        models = [ModelUse(model, count, int(tokens or 0)) for model, count, tokens in session.exec(per_model).all()]
        waits = [w for w in session.exec(select(ModelRequest.wait_ms).where(*mine)).all() if w is not None]
    return models, _waits(waits)


def _waits(waits_ms: list[float]) -> QueueWaits:
    if not waits_ms:
        return QueueWaits(0, 0, 0.0, 0.0)
    return QueueWaits(
        len(waits_ms),
        sum(w > 0 for w in waits_ms),
        statistics.median(waits_ms) / 1000,
        max(waits_ms) / 1000,
    )


def _moment(epoch_s: float | None) -> datetime | None:
    return None if epoch_s is None else datetime.fromtimestamp(epoch_s, UTC)
