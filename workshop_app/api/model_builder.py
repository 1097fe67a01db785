"""The model builder under /api/v1/built-models: build, rebuild (edit), copy, delete and list built models.

A built model is an ordinary model name afterwards: the Playground, RAG systems and the
gateway use it like any other. The services decide who may build and check every field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.services.models import builder
from workshop_app.services.models.builder import BuiltModel
from workshop_app.services.models.recipes import Recipe

router = APIRouter(prefix="/built-models", tags=["model builder"])

Responses = dict[int | str, dict[str, Any]]

FORBIDDEN: Responses = {
    403: {"description": "Attendees build only where their workshop allows it, and change only their own."}
}
NOT_FOUND: Responses = {404: {"description": "The base model is on no host, or the model was not built here."}}
CONFLICT: Responses = {409: {"description": "A model of that name exists (send replace: true to rebuild a built one)."}}
INVALID: Responses = {422: {"description": "A name, parameter or example message is not valid; the message names it."}}
UNREACHABLE: Responses = {503: {"description": "A host that has the base cannot be reached; nothing was made."}}
FAILED: Responses = {502: {"description": "A host refused the model; every host was put back as it was."}}
EXAMPLE: dict[str, Any] = {
    "name": "pirate:v1",
    "base": "llama3.2:1b",
    "system": "You are a pirate. Answer in one sentence.",
    "template": "",
    "parameters": {"temperature": 0.2, "stop": ["<END>"]},
    "messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Arr, ahoy!"}],
}


class ExampleMessage(BaseModel):
    role: str = Field(description="system, user or assistant", max_length=20)
    content: str = Field(max_length=20_000)


class RecipeIn(BaseModel):
    name: str = Field(max_length=300, description="The new model's name, `name:tag` (`:latest` when no tag).")
    base: str = Field(max_length=300, description="An installed model to start from.")
    system: str = Field("", max_length=20_000, description="The system prompt the model always gets.")
    template: str = Field("", max_length=20_000, description="A prompt template (empty: the base's own).")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Ollama parameters: temperature, stop…")
    messages: list[ExampleMessage] = Field(default_factory=list, max_length=50, description="Few-shot examples.")
    replace: bool = Field(False, description="Rebuild a model built here under the same name (an edit).")

    model_config = {"json_schema_extra": {"examples": [EXAMPLE]}}

    def recipe(self) -> Recipe:
        messages = tuple(message.model_dump() for message in self.messages)
        return Recipe(self.name, self.base, self.system, self.template, self.parameters, messages)


class CopyIn(BaseModel):
    destination: str = Field(max_length=300, description="The copy's name, `name:tag`.")

    model_config = {"json_schema_extra": {"examples": [{"destination": "pirate:v2"}]}}


def built_report(built: BuiltModel) -> dict[str, Any]:
    return {**built.recipe.as_dict(), "hosts": list(built.hosts), "workshops": list(built.workshops)}


@router.get(
    "",
    summary="Every built model's recipe (base, system prompt, parameters, template, examples, author)",
    responses={200: {"content": {"application/json": {"example": [{**EXAMPLE, "author": "Ada"}]}}}},
)
def list_built(actor: CurrentActor) -> list[dict[str, Any]]:
    return [recipe.as_dict() for recipe in builder.list_recipes(actor)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Build a model from a base on every host that has the base (all or nothing)",
    responses={**FORBIDDEN, **NOT_FOUND, **CONFLICT, **INVALID, **FAILED, **UNREACHABLE},
)
async def build(body: RecipeIn, actor: CurrentActor) -> dict[str, Any]:
    """Made with Ollama's /api/create on each host; if one host fails, the others are put back as they were."""
    return built_report(await builder.build_model(actor, body.recipe(), replacing=body.replace))


@router.post(
    "/{name:path}/copy",
    status_code=status.HTTP_201_CREATED,
    summary="Copy a built model under a new name on every host that has it",
    responses={**FORBIDDEN, **NOT_FOUND, **CONFLICT, **INVALID, **FAILED, **UNREACHABLE},
)
async def copy(name: str, body: CopyIn, actor: CurrentActor) -> dict[str, Any]:
    return built_report(await builder.copy_model(actor, name, body.destination))


@router.delete(
    "/{name:path}",
    summary="Delete a built model from every host, with its recipe",
    responses={**FORBIDDEN, **NOT_FOUND, **UNREACHABLE},
)
async def delete(name: str, actor: CurrentActor) -> dict[str, Any]:
    return {"deleted_from": await builder.delete_built_model(actor, name)}
