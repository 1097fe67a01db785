"""What a pullable model name looks like, checked before anything is sent to Ollama.

Accepted: `name`, `name:tag`, `namespace/name:tag` and registry-qualified names such as
`hf.co/org/repo:Q4_K_M`. Each path part and the tag are letters, digits, `.`, `_` and
`-`, starting with a letter or digit; `..`, spaces and shell characters never pass.
"""

from __future__ import annotations

import re

from workshop_app.services.core.errors import InvalidInput

MAX_NAME_LENGTH = 300
_PART = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_NAME = re.compile(rf"{_PART}(?:/{_PART}){{0,3}}(?::{_PART})?")
EXAMPLES = "tinyllama:latest, mistral:7b-instruct-q4_K_M, namespace/model:tag, hf.co/org/repo:Q4_K_M"


def validate_model_name(name: str) -> str:
    """The name, stripped, if it is a valid model reference; InvalidInput (422) otherwise."""
    cleaned = name.strip()
    hint = f"Use a name like {EXAMPLES}."
    if not cleaned:
        raise InvalidInput("Enter a model name.", hint=hint)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(f"A model name has at most {MAX_NAME_LENGTH} characters.", hint=hint)
    if ".." in cleaned or not _NAME.fullmatch(cleaned):
        raise InvalidInput(f"'{cleaned}' is not a valid model name.", hint=hint)
    return cleaned
