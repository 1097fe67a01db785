"""Structured JSON logs that follow one request from its entry point down to Ollama.

A request id is bound when a REST request or a UI event starts; every log line
emitted while it is handled (down to the Ollama call) carries it, so one `grep`
reconstructs what happened. Secrets never reach the output: values under keys
that name credentials, bearer tokens and passwords inside URLs are masked
before a line is written, whichever logger produced it.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog

REDACTED = "***"
_SENSITIVE_KEY = re.compile(
    r"pass(word|phrase|wd)?|secret|token|api[_-]?key|^key$|_key$|authorization|cookie|credential", re.IGNORECASE
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^@/\s]*@")
_KEY_VALUE = re.compile(r"(?i)\b(password|passphrase|secret|token|api[_-]?key)(\s*[=:]\s*)[^\s,;&\"']+")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_request_id: ContextVar[str | None] = ContextVar("workshop_request_id", default=None)
_id_providers: list[Callable[[], str | None]] = []


def new_request_id(proposed: str | None = None) -> str:
    """The caller's id when it is a safe token (so a proxy's id links up), else a fresh one."""
    if proposed and _SAFE_ID.match(proposed):
        return proposed
    return uuid.uuid4().hex


@contextmanager
def request_context(request_id: str | None = None) -> Iterator[str]:
    """Bind a request id for everything logged inside the block (tasks started in it inherit it)."""
    bound = new_request_id(request_id)
    token = _request_id.set(bound)
    try:
        yield bound
    finally:
        _request_id.reset(token)


def current_request_id() -> str | None:
    """The bound id, or one from a registered provider (e.g. the UI event being processed)."""
    bound = _request_id.get()
    if bound is not None:
        return bound
    for provider in _id_providers:
        provided = provider()
        if provided:
            return provided
    return None


def add_request_id_provider(provider: Callable[[], str | None]) -> None:
    """Let a face that owns its own per-event context (the UI) supply ids without importing it here."""
    if provider not in _id_providers:
        _id_providers.append(provider)


def redact_text(text: str) -> str:
    """Mask bearer tokens, URL passwords and `password=...`-style pairs inside free text."""
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)
    return _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def _redact_value(key: str, value: Any) -> Any:
    if isinstance(value, str):
        return REDACTED if _SENSITIVE_KEY.search(key) else redact_text(value)
    if isinstance(value, dict):
        return {k: _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_value(key, item) for item in value]
    return value


def _redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return {key: _redact_value(key, value) for key, value in event_dict.items()}


def _add_request_id(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    request_id = current_request_id()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    _add_request_id,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """Route structlog and the standard library (uvicorn, SQLAlchemy, ...) through one JSON renderer.

    Safe to call again (tests point it at a capture stream); the last call wins.
    """
    structlog.configure(
        processors=[*_SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name("workshop-json")
    root = logging.getLogger()
    for existing in [h for h in root.handlers if h.get_name() == "workshop-json"]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("uvicorn.access", "uvicorn.error"):
        named = logging.getLogger(noisy)
        named.handlers.clear()
        named.propagate = True


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
