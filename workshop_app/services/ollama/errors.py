"""Errors from talking to an Ollama backend."""

from __future__ import annotations

from workshop_app.services.core.errors import NotFound, WorkshopError


class BackendUnavailable(WorkshopError):
    """The backend cannot be reached (refused, timed out, or dropped the connection)."""

    status_code = 503

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"Cannot reach Ollama at {url}: {reason}",
            hint=f"Start Ollama on that machine (run: ollama serve), or point WORKSHOP_OLLAMA_URLS at a running one."
            f" Tried {url}.",
        )
        self.url = url
        self.reason = reason


class BackendBusy(WorkshopError):
    """Ollama answered 503: its request queue is full."""

    status_code = 503
    hint = "Ollama's queue is full; wait a few seconds and try again."


class ModelNotFound(NotFound):
    """No configured backend has the model."""

    def __init__(self, model: str, url: str | None = None) -> None:
        where = f" on {url}" if url else " on any configured Ollama"
        super().__init__(
            f"Model '{model}' is not available{where}.",
            hint=f"Pull it first (ollama pull {model}) or pick another model.",
        )
        self.model = model


class BackendError(WorkshopError):
    """Ollama reported an error, before or in the middle of a stream."""

    status_code = 502

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(
            f"Ollama at {url} reported an error: {message}", hint="Try again; if it persists, check the Ollama logs."
        )
        self.url = url
        self.status = status
        if status == 400:  # the host refused the request as malformed: the caller's to fix, answered as such
            self.status_code = 400


class BackendStalled(WorkshopError):
    """Ollama sent nothing for longer than the stall timeout: frozen, or far too busy."""

    status_code = 504

    def __init__(self, url: str, gap_s: float) -> None:
        super().__init__(
            f"Ollama at {url} sent nothing for {gap_s:g} s, so the request was stopped.",
            hint="Try again in a moment; if it keeps happening, the instructor should restart Ollama on that host.",
        )
        self.url = url


class RequestTooLong(WorkshopError):
    """A request held a host's slot for the longest time one request may."""

    status_code = 504

    def __init__(self, limit_s: float) -> None:
        super().__init__(
            f"The reply was stopped after {limit_s:g} s, the longest one request may hold a model.",
            hint="Ask for a shorter reply (num_predict / max_tokens), "
            "or ask the instructor to raise WORKSHOP_REQUEST_MAX_SECONDS.",
        )


class ModelDidNotLoad(WorkshopError):
    """Ollama answered a load request, but its list of loaded models (/api/ps) does not include the model."""

    status_code = 502

    def __init__(self, model: str, url: str) -> None:
        super().__init__(
            f"{model} did not load on {url}: Ollama answered, but does not list it among the loaded models (/api/ps).",
            hint="Check the Ollama log on that machine (for example for too little memory); "
            "the first request to the model loads it anyway.",
        )
        self.model = model
        self.url = url
