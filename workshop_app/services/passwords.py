"""Password hashing with argon2 (pwdlib's recommended parameters)."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash

from workshop_app.services.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 256


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"The password is too short (at least {MIN_LENGTH} characters).", hint="A short sentence works well.")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"The password is too long (at most {MAX_LENGTH} characters).")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """False for a wrong password and for accounts without one (joined with a code)."""
    if not password_hash:
        _hasher().hash(password or "x")  # spend the same time, so timing reveals nothing
        return False
    return _hasher().verify(password, password_hash)
