"""End-to-end checks of a running deployment, from the outside, as `workshop smoke` runs them.

Each check talks to the deployment over HTTP the way a client would (health,
metrics, the model list) and finishes with a short real chat through the
deployment's Ollama-compatible gateway, so "it starts" and "it answers" are both
proven, API key, queue and Ollama host included.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from workshop_app.services.core.wording import counted

REQUEST_TIMEOUT_S = 10.0
CHAT_TIMEOUT_S = 120.0
CHAT_PROMPT = "Reply with one short word: ready?"


@dataclass(frozen=True)
class SmokeResult:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name:<8} {self.detail}"


def run_smoke(url: str, api_key: str | None = None, model: str | None = None) -> list[SmokeResult]:
    """Every check, in order; a failing check never stops the ones after it."""
    base = url.rstrip("/")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    with httpx.Client(base_url=base, headers=headers, timeout=REQUEST_TIMEOUT_S) as client:
        results = [_guarded("health", lambda: _health(client)), _guarded("metrics", lambda: _metrics(client))]
        models: list[dict[str, Any]] = []
        results.append(_guarded("models", lambda: _models(client, models)))
        results.append(_guarded("chat", lambda: _chat(client, models, model)))
    return results


def _guarded(name: str, check: Callable[[], tuple[bool, str]]) -> SmokeResult:
    try:
        ok, detail = check()
    except httpx.HTTPError as error:
        return SmokeResult(name, False, f"{type(error).__name__}: {error}")
    except (ValueError, KeyError, TypeError):
        return SmokeResult(name, False, "unexpected answer: is this a workshop deployment?")
    return SmokeResult(name, ok, detail)


def _health(client: httpx.Client) -> tuple[bool, str]:
    response = client.get("/health/details")
    if response.status_code not in (200, 503):
        return False, f"GET /health/details answered {response.status_code}"
    body = response.json()
    return body["status"] == "ok", f"{body['status']}: {body['reason']}"


def _metrics(client: httpx.Client) -> tuple[bool, str]:
    response = client.get("/metrics")
    if response.status_code != 200:
        return False, f"GET /metrics answered {response.status_code}"
    return (
        "workshop_http_requests_total" in response.text,
        f"{len(response.text.splitlines())} lines of Prometheus text",
    )


def _models(client: httpx.Client, found: list[dict[str, Any]]) -> tuple[bool, str]:
    response = client.get("/api/v1/models")
    if response.status_code == 401:
        return False, "the API needs a key: pass --api-key (create one on the profile page)"
    if response.status_code != 200:
        return False, f"GET /api/v1/models answered {response.status_code}: {response.text[:200]}"
    body = response.json()
    found.extend(body["models"])
    hosts = body["hosts"]
    down = [host["url"] for host in hosts if not host["reachable"]]
    if not found:
        return False, "no models installed on any host (ollama pull <model>)"
    detail = f"{counted(len(found), 'model')} on {len(hosts) - len(down)}/{counted(len(hosts), 'host')}"
    return not down, detail + (f"; unreachable: {', '.join(down)}" if down else "")


def _chat(client: httpx.Client, models: list[dict[str, Any]], wanted: str | None) -> tuple[bool, str]:
    """A short reply through the deployment's own Ollama-compatible gateway: key, queue and model all real."""
    chosen = _pick(models, wanted)
    if chosen is None:
        return False, f"model {wanted!r} is not listed" if wanted else "no model to chat with"
    name = chosen["name"]
    started = time.perf_counter()
    response = client.post(
        "/ollama/api/chat",
        json={
            "model": name,
            "messages": [{"role": "user", "content": CHAT_PROMPT}],
            "stream": False,
            "options": {"num_predict": 16},
        },
        timeout=CHAT_TIMEOUT_S,
    )
    elapsed_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        return False, f"{name} answered {response.status_code}: {response.text[:200]}"
    reply = " ".join(response.json()["message"]["content"].split())
    return bool(reply), f"{name} replied in {elapsed_ms:.0f} ms: {reply[:60]!r}"


def _pick(models: list[dict[str, Any]], wanted: str | None) -> dict[str, Any] | None:
    """The requested model, else the smallest one that can chat (embedding models cannot)."""
    if wanted:
        return next((m for m in models if m["name"] in (wanted, f"{wanted}:latest")), None)
    chatty = [m for m in models if "embed" not in m["name"] and "embed" not in m.get("family", "")]
    return min(chatty, key=lambda m: m.get("size_bytes", 0), default=None)
