"""State of the Playground page: pick a model, send, watch the reply stream, stop it."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

import reflex as rx

from workshop_app.services.chat import stream_reply_queued, validate_messages
from workshop_app.services.errors import WorkshopError
from workshop_app.services.models import load_catalog
from workshop_app.services.ollama.scheduler import QueueUpdate
from workshop_app.services.policy import require_model, usable_models
from workshop_app.services.streaming import until_stopped
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import error_toast

# One stop signal per browser tab with a reply in flight. A tab's events all reach
# the worker that holds its websocket, so a process-local registry is enough.
_STOP_SIGNALS: dict[str, asyncio.Event] = {}


class PlaygroundState(AuthState):
    """One conversation with one model."""

    model: str = ""
    model_options: list[str] = []
    hosts: list[dict[str, str | bool | float | int | None]] = []
    draft: str = ""
    messages: list[dict[str, str]] = []
    streaming: bool = False
    queue_position: int = 0
    reply_stats: str = ""

    @rx.var
    def unreachable_hosts(self) -> list[dict[str, str | bool | float | int | None]]:
        return [host for host in self.hosts if not host["reachable"]]

    @rx.event
    async def load_models(self):
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        catalog = await load_catalog()
        self.hosts = [asdict(host) for host in catalog.hosts]
        self.model_options = usable_models(actor, catalog.model_names)
        if self.model not in self.model_options:
            self.model = self.model_options[0] if self.model_options else ""

    @rx.event
    def set_model(self, value: str):
        self.model = value

    @rx.event
    def set_draft(self, value: str):
        self.draft = value

    @rx.event
    def clear(self):
        if not self.streaming:
            self.messages = []
            self.reply_stats = ""

    @rx.event
    def stop(self):
        signal = _STOP_SIGNALS.get(self.router.session.client_token)
        if signal is not None:
            signal.set()

    @rx.event(background=True)
    async def send(self):
        async with self:
            if self.streaming:
                return
            history = [{"role": m["role"], "content": m["content"]} for m in self.messages]
            history.append({"role": "user", "content": self.draft.strip()})
            try:
                validate_messages(self.model, history)
                actor = require_model(self.acting(), self.model)
            except WorkshopError as error:
                yield error_toast(error)
                return
            model, token, address = self.model, self.router.session.client_token, self.router.session.client_ip
            self.messages = [*self.messages, history[-1], {"role": "assistant", "content": "", "status": "streaming"}]
            self.draft, self.reply_stats, self.streaming = "", "", True
            stop = _STOP_SIGNALS[token] = asyncio.Event()
        status = "stopped"
        try:
            async for chunk in until_stopped(stream_reply_queued(model, history, user_id=actor.id, client_ip=address), stop):
                async with self:
                    if isinstance(chunk, QueueUpdate):
                        self.queue_position = chunk.position
                        continue
                    self.queue_position = 0
                    self.messages[-1]["content"] += chunk.content
                    if chunk.stats is not None:
                        status, self.reply_stats = "done", _describe(chunk.stats)
        except WorkshopError as error:
            status = "failed"
            yield error_toast(error)
        finally:
            _STOP_SIGNALS.pop(token, None)
            async with self:
                self.messages[-1]["status"] = status
                self.streaming, self.queue_position = False, 0


def _describe(stats) -> str:
    return f"{stats.completion_tokens} tokens · {stats.total_ms / 1000:.1f} s · {stats.tokens_per_second:.1f} tokens/s"
