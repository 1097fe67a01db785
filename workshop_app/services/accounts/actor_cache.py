"""Who an API key or a browser session belongs to, remembered for a few seconds.

Resolving one costs several database reads (key or session, account, membership,
workshops taught) on every gateway request and every page action, before a model's first
token. A notebook streaming chat after chat, or a room pressing Send at once, asks the
same question many times a second, so the answer is kept for `TTL_S`.

Revoking a key, signing out, disabling an account, resetting its password, changing its
role or name, removing an attendee and creating, changing or deleting a workshop forget
the entries concerned here at once; another worker process (which has its own memory)
notices within `TTL_S` at most.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from workshop_app.services.core.ttl_memo import TtlMemo
from workshop_app.services.workshops.policy import Actor

TTL_S = 5.0

_by_key_hash: TtlMemo[str, tuple[int, Actor]] = TtlMemo(TTL_S)  # key hash -> (key id, owner)
_by_session_hash: TtlMemo[str, Actor] = TtlMemo(TTL_S)  # session token hash -> the person signed in


def cached_actor(key_hash: str) -> Actor | None:
    entry = _by_key_hash.get(key_hash)
    return entry[1] if entry is not None else None


def check_key_again_ahead(key_hash: str, check: Callable[[], Awaitable[object]]) -> None:
    """Run `check` (which remembers its answer) in the background if the key's answer will lapse soon."""
    _by_key_hash.reload_ahead(key_hash, check)


def check_session_again_ahead(session_hash: str, check: Callable[[], Awaitable[object]]) -> None:
    """Run `check` (which remembers its answer) in the background if the session's answer will lapse soon."""
    _by_session_hash.reload_ahead(session_hash, check)


def remember(key_hash: str, key_id: int, actor: Actor) -> None:
    _by_key_hash.put(key_hash, (key_id, actor))


def cached_session_actor(session_hash: str) -> Actor | None:
    return _by_session_hash.get(session_hash)


def remember_session(session_hash: str, actor: Actor) -> None:
    _by_session_hash.put(session_hash, actor)


def forget_session(session_hash: str) -> None:
    _by_session_hash.forget(lambda hashed, _actor: hashed == session_hash)


def forget_key(key_id: int) -> None:
    _by_key_hash.forget(lambda _hash, entry: entry[0] == key_id)


def forget_user(user_id: int) -> None:
    _by_key_hash.forget(lambda _hash, entry: entry[1].id == user_id)
    _by_session_hash.forget(lambda _hash, actor: actor.id == user_id)


def forget_everyone() -> None:
    """After a workshop changed: the actors carry its model list and who teaches it."""
    _by_key_hash.forget(lambda _hash, _entry: True)
    _by_session_hash.forget(lambda _hash, _actor: True)
