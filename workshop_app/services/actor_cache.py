"""Who an API key belongs to, remembered for a few seconds.

Resolving a key costs several database reads (key, account, membership, workshops taught)
on every gateway request, before the first token. A notebook streaming chat after chat
asks the same question many times a second, so the answer is kept for `TTL_S`.

Revoking a key, disabling an account, resetting its password, removing an attendee and
changing a workshop forget the entries concerned here at once; another worker process (which has its own
memory) notices within `TTL_S` at most.
"""

from __future__ import annotations

from workshop_app.services.policy import Actor
from workshop_app.services.ttl_memo import TtlMemo

TTL_S = 5.0

_by_key_hash: TtlMemo[str, tuple[int, Actor]] = TtlMemo(TTL_S)  # key hash -> (key id, owner)


def cached_actor(key_hash: str) -> Actor | None:
    entry = _by_key_hash.get(key_hash)
    return entry[1] if entry is not None else None


def remember(key_hash: str, key_id: int, actor: Actor) -> None:
    _by_key_hash.put(key_hash, (key_id, actor))


def forget_key(key_id: int) -> None:
    _by_key_hash.forget(lambda _hash, entry: entry[0] == key_id)


def forget_user(user_id: int) -> None:
    _by_key_hash.forget(lambda _hash, entry: entry[1].id == user_id)


def forget_everyone() -> None:
    """After a workshop's model list changed: the actors carry it."""
    _by_key_hash.forget(lambda _hash, _entry: True)
