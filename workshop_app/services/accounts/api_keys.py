"""Personal API keys for the REST face: shown once, stored as a hash, named and revocable."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import col, select

from workshop_app.db.engine import session_scope
from workshop_app.db.row_ids import saved_id
from workshop_app.db.users import ApiKey, User
from workshop_app.services.accounts import actor_cache
from workshop_app.services.accounts.auth import actor_for_user, now
from workshop_app.services.accounts.secret_tokens import new_token, token_hash
from workshop_app.services.core.database_threads import off_loop
from workshop_app.services.core.errors import InvalidInput, NotFound, Unauthorized
from workshop_app.services.workshops.policy import Action, Actor, require, require_actor

KEY_PREFIX = "owk_"
SHOWN_PREFIX = 12
LAST_USED_RESOLUTION = timedelta(seconds=60)

log = logging.getLogger(__name__)


def create_api_key(actor: Actor | None, name: str) -> tuple[ApiKey, str]:
    """The stored key and its secret; the secret is never available again."""
    actor = require_actor(actor)
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise InvalidInput(
            "Name the key (up to 80 characters).", hint="e.g. “notebook” — so you know which one to revoke."
        )
    secret = new_token(KEY_PREFIX)
    key = ApiKey(creator_id=actor.id, name=name, prefix=secret[:SHOWN_PREFIX], key_hash=token_hash(secret))
    with session_scope() as session:
        session.add(key)
        session.flush()
    log.info("API key %r (%s…) created by user %s", name, key.prefix, actor.id)
    return key, secret


def list_api_keys(actor: Actor | None) -> list[ApiKey]:
    """The person's own keys, newest first, revoked ones included (marked)."""
    actor = require_actor(actor)
    query = select(ApiKey).where(ApiKey.creator_id == actor.id).order_by(col(ApiKey.id).desc())
    with session_scope() as session:
        return list(session.exec(query).all())


def revoke_api_key(actor: Actor | None, key_id: int) -> None:
    with session_scope() as session:
        key = session.get(ApiKey, key_id)
        if key is None:
            raise NotFound("This API key does not exist.", hint="Refresh the list.")
        require(actor, Action.DELETE, key)
        if key.revoked_at is None:
            key.revoked_at = now()
            session.add(key)
    actor_cache.forget_key(key_id)


async def recent_actor_for_api_key(secret: str) -> Actor:
    """The key's owner as checked within the last few seconds (see actor_cache), for every gateway request.

    A fresh check runs in the database threads (`off_loop`), so its reads never stall other streams;
    a key in use is checked again in the background before its answer lapses.
    """
    hashed = token_hash(secret)
    cached = actor_cache.cached_actor(hashed)
    if cached is None:
        return await off_loop(actor_for_api_key, secret)
    actor_cache.check_key_again_ahead(hashed, lambda: off_loop(actor_for_api_key, secret))
    return cached


def actor_for_api_key(secret: str) -> Actor:
    """The key's owner, checked now (revoked key, disabled account, removed attendee: refused)."""
    with session_scope() as session:
        key = session.exec(select(ApiKey).where(ApiKey.key_hash == token_hash(secret))).first() if secret else None
        if key is None or key.revoked_at is not None:
            raise Unauthorized(
                "This API key is not valid.",
                hint="Create a key on your profile page and send it as `Authorization: Bearer <key>`.",
            )
        if key.last_used_at is None or now() - key.last_used_at > LAST_USED_RESOLUTION:
            key.last_used_at = now()
            session.add(key)
        user = session.get(User, key.creator_id)
        assert user is not None  # keys are deleted with their account
        actor = actor_for_user(session, user)
    actor_cache.remember(key.key_hash, saved_id(key), actor)
    return actor
