"""Tools over REST: the same saved definitions, checks and policy as the Tools page."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.api.params import RowId, RowIds
from workshop_app.db.ownership import Visibility
from workshop_app.db.tool_definitions import ToolRecord
from workshop_app.services.tools import store

router = APIRouter(prefix="/tools", tags=["tools"])


class ToolIn(BaseModel):
    name: str = Field(description="An identifier: letters, digits and _.")
    description: str = Field(description="How the model decides when to call the tool.")
    parameters: dict[str, Any] | None = Field(
        None, description="JSON Schema of the arguments (an object); built-ins bring their own."
    )
    implementation: dict[str, Any] = Field(description='{"kind": "builtin"|"http"|"mock", ...that kind\'s fields}')
    visibility: Visibility = Field(Visibility.PRIVATE, description="private or workshop")

    def raw(self) -> dict[str, Any]:
        return self.model_dump(exclude={"visibility"})


class ToolOut(BaseModel):
    id: int
    name: str
    description: str
    parameters: dict[str, Any]
    implementation: dict[str, Any]
    visibility: str
    creator_id: int
    workshop_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: ToolRecord) -> ToolOut:
        return cls.model_validate(record, from_attributes=True)


@router.get("", summary="Tools you may use: your own and those shared with your workshop")
def list_tools(actor: CurrentActor) -> list[ToolOut]:
    return [ToolOut.of(record) for record in store.list_tools(actor)]


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Define a tool (checked as a whole; 422 lists every problem)"
)
def create_tool(body: ToolIn, actor: CurrentActor) -> ToolOut:
    return ToolOut.of(store.create_tool(actor, body.raw(), body.visibility))


@router.get("/export", summary="The chosen tools (default: all you may use) as a workshop-tools JSON document")
def export_tools(actor: CurrentActor, ids: RowIds) -> Response:
    chosen = ids or [record.id or 0 for record in store.list_tools(actor)]
    return Response(store.export_json(actor, chosen), media_type="application/json")


@router.post(
    "/import", status_code=status.HTTP_201_CREATED, summary="Save every tool of an export as yours; all or nothing"
)
def import_tools(
    document: dict[str, Any] | list[Any], actor: CurrentActor, visibility: Visibility = Visibility.PRIVATE
) -> list[ToolOut]:
    return [ToolOut.of(record) for record in store.import_json(actor, json.dumps(document), visibility)]


@router.get("/{tool_id}", summary="One tool")
def get_tool(tool_id: RowId, actor: CurrentActor) -> ToolOut:
    return ToolOut.of(store.get_tool(actor, tool_id))


@router.put("/{tool_id}", summary="Replace a tool's definition and visibility (its creator or an admin)")
def update_tool(tool_id: RowId, body: ToolIn, actor: CurrentActor) -> ToolOut:
    return ToolOut.of(store.update_tool(actor, tool_id, body.raw(), body.visibility))


@router.delete("/{tool_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a tool (its creator or an admin)")
def delete_tool(tool_id: RowId, actor: CurrentActor) -> None:
    store.delete_tool(actor, tool_id)
