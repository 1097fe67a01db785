"""Workshops: create and run them (instructors), read the one you are in (attendees)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.api.params import RowId, StoredCount
from workshop_app.db.workshops import Workshop
from workshop_app.services.ollama.backends import get_monitor
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.dashboard import WorkshopDashboard, workshop_dashboard
from workshop_app.services.workshops.lifecycle import RosterEntry, WorkshopDraft

router = APIRouter(prefix="/workshops", tags=["workshops"])


class WorkshopIn(BaseModel):
    title: str = Field(max_length=120)
    description: str = Field("", max_length=2000)
    allowed_models: list[str] = Field(default_factory=list, description="Models attendees may use; empty = all.")
    requests_per_minute: StoredCount | None = None
    tokens_per_day: StoredCount | None = None
    attendees_build_models: bool = Field(False, description="Attendees may build models with the model builder.")

    def draft(self) -> WorkshopDraft:
        return WorkshopDraft(
            self.title,
            self.description,
            tuple(self.allowed_models),
            self.requests_per_minute,
            self.tokens_per_day,
            self.attendees_build_models,
        )


class WorkshopOut(WorkshopIn):
    id: int
    join_code: str
    is_open: bool
    created_at: datetime

    @classmethod
    def of(cls, workshop: Workshop) -> WorkshopOut:
        return cls.model_validate(workshop, from_attributes=True)


async def hosts_checked() -> None:
    """The hosts' models are known before a workshop's model list is checked against them."""
    await get_monitor().current()


@router.get("", summary="Workshops you run (all, for admins) or the one you are in")
def list_workshops(actor: CurrentActor) -> list[WorkshopOut]:
    return [WorkshopOut.of(w) for w in workshops.list_workshops(actor)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a workshop with a fresh join code (instructors)",
    dependencies=[Depends(hosts_checked)],
)
def create_workshop(body: WorkshopIn, actor: CurrentActor) -> WorkshopOut:
    return WorkshopOut.of(workshops.create_workshop(actor, body.draft()))


@router.get("/{workshop_id}", summary="One workshop")
def get_workshop(workshop_id: RowId, actor: CurrentActor) -> WorkshopOut:
    return WorkshopOut.of(workshops.get_workshop(actor, workshop_id))


@router.put(
    "/{workshop_id}", summary="Edit title, description, models and limits", dependencies=[Depends(hosts_checked)]
)
def update_workshop(workshop_id: RowId, body: WorkshopIn, actor: CurrentActor) -> WorkshopOut:
    return WorkshopOut.of(workshops.update_workshop(actor, workshop_id, body.draft()))


@router.post("/{workshop_id}/close", summary="Stop new joins (people already in keep working)")
def close_workshop(workshop_id: RowId, actor: CurrentActor) -> WorkshopOut:
    return WorkshopOut.of(workshops.set_open(actor, workshop_id, False))


@router.post("/{workshop_id}/open", summary="Allow joins again")
def open_workshop(workshop_id: RowId, actor: CurrentActor) -> WorkshopOut:
    return WorkshopOut.of(workshops.set_open(actor, workshop_id, True))


@router.delete(
    "/{workshop_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a workshop; its attendees lose access"
)
def delete_workshop(workshop_id: RowId, actor: CurrentActor) -> None:
    workshops.delete_workshop(actor, workshop_id)


@router.get("/{workshop_id}/attendees", summary="The roster, with last activity")
def list_attendees(workshop_id: RowId, actor: CurrentActor) -> list[RosterEntry]:
    return workshops.roster(actor, workshop_id)


@router.get(
    "/{workshop_id}/dashboard",
    summary="Live figures: today's requests, tokens, errors and refusals per attendee, the hosts' queues, "
    "requests per minute",
)
async def get_dashboard(workshop_id: RowId, actor: CurrentActor) -> WorkshopDashboard:
    """The instructor's dashboard as data, the same from whichever worker answers."""
    return await workshop_dashboard(actor, workshop_id)


@router.delete(
    "/{workshop_id}/attendees/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an attendee; they lose access at once",
)
def remove_attendee(workshop_id: RowId, user_id: RowId, actor: CurrentActor) -> None:
    workshops.remove_attendee(actor, workshop_id, user_id)
