"""Ollama request fields turned into llama.cpp's: sampling options, keep_alive, format.

Ollama answers a wrongly typed option with 400 and ignores options it does not know; so does
the engine. Options that shape loading (num_ctx) are returned apart from sampling ones.
"""

from __future__ import annotations

import re
from typing import Any

_FLOATS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "min_p": "min_p",
    "typical_p": "typical_p",
    "repeat_penalty": "repeat_penalty",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
    "mirostat_tau": "mirostat_tau",
    "mirostat_eta": "mirostat_eta",
}
_INTS = {
    "top_k": "top_k",
    "seed": "seed",
    "num_predict": "n_predict",
    "repeat_last_n": "repeat_last_n",
    "mirostat": "mirostat",
    "num_keep": "n_keep",
}
LOAD_OPTIONS = ("num_ctx",)
TOOL_CHOICES = ("auto", "required")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class BadRequest(ValueError):
    """A request Ollama would answer with 400."""


def _number(name: str, value: Any, integer: bool) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not float(value).is_integer()):
        kind = "an integer" if integer else "a number"
        raise BadRequest(f'invalid option "{name}": expected {kind}, got {value!r}')
    return int(value) if integer else float(value)


def sampling(options: dict[str, Any]) -> dict[str, Any]:
    """llama.cpp request fields for Ollama's options (400 for a wrong type, unknown keys ignored)."""
    if not isinstance(options, dict):
        raise BadRequest("invalid options: expected an object")
    fields: dict[str, Any] = {}
    for name, value in options.items():
        if value is None:
            continue
        if name in _FLOATS:
            fields[_FLOATS[name]] = _number(name, value, integer=False)
        elif name in _INTS:
            fields[_INTS[name]] = _number(name, value, integer=True)
        elif name == "stop":
            stops = [value] if isinstance(value, str) else value
            if not isinstance(stops, list) or not all(isinstance(item, str) for item in stops):
                raise BadRequest('invalid option "stop": expected a string or a list of strings')
            fields["stop"] = stops
        elif name == "num_ctx":
            if _number(name, value, integer=True) < 1:
                raise BadRequest('invalid option "num_ctx": must be positive')
        elif name == "tool_choice" and value not in TOOL_CHOICES:
            raise BadRequest(f'invalid option "tool_choice": expected one of {list(TOOL_CHOICES)}')
    if fields.get("n_predict", 0) < -1:
        fields["n_predict"] = -1  # Ollama's -2 ("fill the context"): generate until the context is full
    return fields


def keep_alive_seconds(value: Any) -> float | None:
    """Ollama's keep_alive: seconds as a number, or a Go duration such as "5m"; negative = forever."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRequest("invalid keep_alive")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        sign = -1.0 if text.startswith("-") else 1.0
        text = text.lstrip("+-")
        try:
            return sign * float(text)
        except ValueError:
            pass
        parts = _DURATION.findall(text)
        if parts and "".join(a + b for a, b in parts) == text:
            return sign * sum(float(amount) * _UNITS[unit] for amount, unit in parts)
    raise BadRequest(f"invalid keep_alive {value!r}: use seconds or a duration like 5m")


def response_format(value: Any) -> dict[str, Any]:
    """`format`: "json" or a JSON schema, as llama.cpp's grammar-constrained output."""
    if value is None or value == "":
        return {}
    if value == "json":
        return {"response_format": {"type": "json_object"}}
    if isinstance(value, dict):
        return {"json_schema": value}
    raise BadRequest(f'invalid format {value!r}: use "json" or a JSON schema object')
