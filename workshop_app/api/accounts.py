"""The caller's own account and API keys; every account, for admins."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.api.params import RowId
from workshop_app.db.users import ApiKey, Role, User
from workshop_app.services.accounts import api_keys, users

router = APIRouter(tags=["accounts"])


class AccountOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    disabled: bool
    created_at: datetime
    last_active_at: datetime | None

    @classmethod
    def of(cls, user: User) -> AccountOut:
        return cls.model_validate(user, from_attributes=True)


class AccountChange(BaseModel):
    role: Role | None = None
    disabled: bool | None = None
    display_name: str | None = Field(None, max_length=80)


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls.model_validate(key, from_attributes=True)


class NewApiKey(BaseModel):
    name: str = Field(max_length=80)


class CreatedApiKey(ApiKeyOut):
    key: str = Field(description="The secret. Shown only in this answer: store it now.")


@router.get("/me", summary="The account this API key belongs to")
def me(actor: CurrentActor) -> AccountOut:
    return AccountOut.of(users.get_account(actor, actor.id))


@router.get("/users", summary="Every account (admins)")
def list_accounts(actor: CurrentActor) -> list[AccountOut]:
    return [AccountOut.of(user) for user in users.list_accounts(actor)]


@router.get("/users/{user_id}", summary="One account (its holder or an admin)")
def get_account(user_id: RowId, actor: CurrentActor) -> AccountOut:
    return AccountOut.of(users.get_account(actor, user_id))


@router.patch("/users/{user_id}", summary="Change the display name (holder, admin); role or disabled (admin)")
def change_account(user_id: RowId, change: AccountChange, actor: CurrentActor) -> AccountOut:
    user = users.get_account(actor, user_id)
    if change.role is not None:
        user = users.change_role(actor, user_id, change.role)
    if change.disabled is not None:
        user = users.set_disabled(actor, user_id, change.disabled)
    if change.display_name is not None:
        user = users.update_display_name(actor, user_id, change.display_name)
    return AccountOut.of(user)


@router.post("/users/{user_id}/reset-password", summary="Set a random password and end the account's sessions (admins)")
def reset_password(user_id: RowId, actor: CurrentActor) -> dict[str, str]:
    return {"temporary_password": users.reset_password(actor, user_id)}


@router.get("/api-keys", summary="Your API keys (never their secrets)")
def list_keys(actor: CurrentActor) -> list[ApiKeyOut]:
    return [ApiKeyOut.of(key) for key in api_keys.list_api_keys(actor)]


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, summary="Create an API key; the secret is shown once")
def create_key(body: NewApiKey, actor: CurrentActor) -> CreatedApiKey:
    key, secret = api_keys.create_api_key(actor, body.name)
    return CreatedApiKey(**ApiKeyOut.of(key).model_dump(), key=secret)


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke an API key")
def revoke_key(key_id: RowId, actor: CurrentActor) -> None:
    api_keys.revoke_api_key(actor, key_id)
