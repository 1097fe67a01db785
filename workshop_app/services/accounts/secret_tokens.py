"""Opaque secrets handed to browsers and scripts, and the only form the database keeps.

Tokens are 256 random bits, so a plain SHA-256 is enough to make a stolen
database useless for signing in (unlike passwords, they cannot be guessed).
"""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
