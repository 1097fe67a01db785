"""The blind arena over REST: open it (instructors), play and vote on rounds (attendees), the leaderboard."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.api.params import RowId
from workshop_app.services.arena import rounds
from workshop_app.services.arena.leaderboard import leaderboard, leaderboard_csv
from workshop_app.services.arena.ranking import Standing
from workshop_app.services.arena.rounds import ArenaView, RoundView
from workshop_app.services.core.errors import NotFound

router = APIRouter(prefix="/workshops/{workshop_id}/arena", tags=["arena"])


class ArenaIn(BaseModel):
    models: list[str] = Field(description="Two or more of the workshop's models.", max_length=50)


class RoundIn(BaseModel):
    prompt: str = Field(max_length=rounds.MAX_PROMPT_CHARS)


class VoteIn(BaseModel):
    vote: Literal["a", "b", "tie", "both_bad"]


class RoundOut(BaseModel):
    """`models` stays empty until the round has a vote; then it names model A and model B."""

    id: int
    prompt: str
    replies: list[str]
    vote: str | None
    models: list[str]


class ArenaOut(BaseModel):
    workshop_id: int
    models: list[str]
    is_open: bool


def _round(view: RoundView) -> RoundOut:
    return RoundOut.model_validate(view, from_attributes=True)


def _arena(view: ArenaView) -> ArenaOut:
    return ArenaOut.model_validate(view, from_attributes=True)


@router.put("", summary="Open the workshop's arena (or re-open it with other models)")
def open_arena(workshop_id: RowId, body: ArenaIn, actor: CurrentActor) -> ArenaOut:
    return _arena(rounds.open_arena(actor, workshop_id, body.models))


@router.post("/close", summary="Close the arena: no new rounds, the votes stay")
def close_arena(workshop_id: RowId, actor: CurrentActor) -> ArenaOut:
    return _arena(rounds.close_arena(actor, workshop_id))


@router.get("", summary="The workshop's arena, if one was opened", responses={404: {"description": "No arena yet"}})
def get_arena(workshop_id: RowId, actor: CurrentActor) -> ArenaOut:
    view = rounds.get_arena(actor, workshop_id)
    if view is None:
        raise NotFound("This workshop has no arena yet.", hint="An instructor opens one.")
    return _arena(view)


@router.post("/rounds", status_code=status.HTTP_201_CREATED, summary="Send a prompt to two anonymous models")
async def play_round(workshop_id: RowId, body: RoundIn, actor: CurrentActor, request: Request) -> RoundOut:
    client_ip = request.client.host if request.client else None
    return _round(await rounds.run_round(actor, workshop_id, body.prompt, client_ip=client_ip))


@router.get("/rounds", summary="Your own rounds in this workshop, newest first")
def my_rounds(workshop_id: RowId, actor: CurrentActor) -> list[RoundOut]:
    return [_round(view) for view in rounds.my_rounds(actor, workshop_id)]


@router.post("/rounds/{round_id}/vote", summary="Vote A, B, tie or both bad; the answer reveals the models")
def vote(workshop_id: RowId, round_id: RowId, body: VoteIn, actor: CurrentActor) -> RoundOut:
    return _round(rounds.vote(actor, round_id, body.vote, workshop_id))


@router.get("/leaderboard", summary="Models ranked by Bradley–Terry with a bootstrap 95 % interval")
def get_leaderboard(workshop_id: RowId, actor: CurrentActor) -> list[Standing]:
    return leaderboard(actor, workshop_id)


@router.get("/leaderboard.csv", summary="The leaderboard as CSV", response_class=Response)
def get_leaderboard_csv(workshop_id: RowId, actor: CurrentActor) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="arena-workshop-{workshop_id}.csv"'}
    return Response(leaderboard_csv(actor, workshop_id), media_type="text/csv", headers=headers)
