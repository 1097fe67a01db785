"""A person's own usage: tokens against the daily quota, requests against the rate limit, waits, models."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.api.params import RowId
from workshop_app.services.sharing import usage as usage_service
from workshop_app.services.sharing.usage import Usage

router = APIRouter(tags=["usage"])


class TokensOut(BaseModel):
    used: int = Field(description="Tokens (prompt + reply) counted against today's quota, as the quota counts them.")
    quota: int | None = Field(description="Tokens per day; null: no quota.")
    left: int | None = Field(description="Tokens left today; null: no quota.")
    resets_at: datetime | None = Field(
        description="When the count starts again: 24 hours after the first request of the quota's day."
    )


class RequestsOut(BaseModel):
    used: int = Field(description="Requests in the rate limit's current moving window.")
    limit: int | None = Field(description="Requests allowed per window; null: no rate limit.")
    per: str = Field(description='The window, e.g. "minute".')
    next_free_at: datetime | None = Field(description="When the oldest request in the window leaves it.")


class QueueOut(BaseModel):
    requests: int = Field(description="Requests that got a turn on a host in the period.")
    waited: int = Field(description="Of those, the ones that waited in the fair queue at all.")
    median_seconds: float
    longest_seconds: float


class ModelUseOut(BaseModel):
    model: str
    requests: int
    tokens: int


class UsageOut(BaseModel):
    user_id: int
    display_name: str
    tokens: TokensOut
    requests: RequestsOut
    since: datetime = Field(description="Queue and per-model figures cover requests started since then.")
    since_quota_day: bool = Field(description="true: `since` is when the quota's day began; false: midnight UTC.")
    queue: QueueOut
    models: list[ModelUseOut]

    @classmethod
    def of(cls, usage: Usage) -> UsageOut:
        standing, waits, quota = usage.standing, usage.waits, usage.standing.tokens_per_day or None
        limit = standing.requests_limit
        return cls(
            user_id=usage.user_id,
            display_name=usage.display_name,
            tokens=TokensOut(
                used=usage.tokens_used,
                quota=quota,
                left=None if quota is None else max(0, quota - usage.tokens_used),
                resets_at=usage.tokens_reset_at,
            ),
            requests=RequestsOut(
                used=standing.requests_used,
                limit=limit.amount if limit else None,
                per=standing.requests_per,
                next_free_at=usage.requests_free_at,
            ),
            since=usage.since,
            since_quota_day=usage.since_quota_day,
            queue=QueueOut(
                requests=waits.requests,
                waited=waits.waited,
                median_seconds=waits.median_s,
                longest_seconds=waits.longest_s,
            ),
            models=[ModelUseOut(model=m.model, requests=m.requests, tokens=m.tokens) for m in usage.models],
        )


@router.get("/me/usage", summary="Your usage: tokens against the quota, requests against the rate limit, waits")
async def my_usage(actor: CurrentActor) -> UsageOut:
    return UsageOut.of(await usage_service.my_usage(actor))


@router.get("/users/{user_id}/usage", summary="One person's usage (themselves, their workshop's instructors, admins)")
async def user_usage(user_id: RowId, actor: CurrentActor) -> UsageOut:
    return UsageOut.of(await usage_service.usage_for(actor, user_id))
