"""Password hashing with argon2 (pwdlib's recommended parameters), and the strength rule.

The rule follows NIST SP 800-63B: a minimum length, no composition rules, and a refusal of
passwords an attacker tries first — common ones (a shipped blocklist), one repeated character,
and ones built from the context (the username, the person's name, the workshop, the product).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pwdlib import PasswordHash

from workshop_app.services.core.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 256
# 8+ character entries of a public list of ~20,000 passwords seen most often in breaches.
BLOCKLIST_FILE = Path(__file__).with_name("common_passwords.txt")
PRODUCT_WORDS = ("workshop", "ollama", "password")
MIN_OWN_LETTERS = 4  # letters left once the context words are taken out
HINT = "A short sentence of your own works well, e.g. three or four unrelated words."


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@lru_cache(maxsize=1)
def _blocklist() -> frozenset[str]:
    return frozenset(line.strip() for line in BLOCKLIST_FILE.read_text(encoding="utf-8").splitlines() if line.strip())


def _context_words(context: Iterable[str]) -> list[str]:
    """Lower-case words of 3+ characters from the username, names and titles, longest first."""
    words = {*PRODUCT_WORDS}
    for text in context:
        lowered = text.lower()
        words.update(part for part in re.split(r"[^a-z0-9]+", lowered) if len(part) >= 3)
        squeezed = re.sub(r"[^a-z0-9]", "", lowered)
        if len(squeezed) >= 3:
            words.add(squeezed)
    return sorted(words, key=len, reverse=True)


def check_strength(password: str, context: Iterable[str] = ()) -> None:
    """Refuse, with the reason, a password that is too short, too long, common or guessable from `context`."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"The password is too short (at least {MIN_LENGTH} characters).", hint=HINT)
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"The password is too long (at most {MAX_LENGTH} characters).")
    lowered = password.lower()
    if len(set(lowered)) == 1:
        raise InvalidInput("The password is one character repeated.", hint=HINT)
    if lowered in _blocklist() or lowered.strip() in _blocklist() or re.sub(r"\s+", "", lowered) in _blocklist():
        raise InvalidInput("This password is one of the most common ones; attackers try those first.", hint=HINT)
    rest = lowered
    for word in _context_words(context):
        rest = rest.replace(word, "")
    if rest != lowered and sum(character.isalpha() for character in rest) < MIN_OWN_LETTERS:
        raise InvalidInput(
            "The password is built from your username, your name, the workshop or the product name; "
            "others can guess it.",
            hint=HINT,
        )


def hash_password(password: str, context: Iterable[str] = ()) -> str:
    check_strength(password, context)
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """False for a wrong password and for accounts without one (joined with a code)."""
    if not password_hash:
        _hasher().hash(password or "x")  # spend the same time, so timing reveals nothing
        return False
    return _hasher().verify(password, password_hash)
