"""Attendees with API keys for gateway tests, in a workshop of their own (own limits, one chat model)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.accounts import actor_of, make_user
from workshop_app.db.users import Role, User
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop

CHAT_MODEL = "qwen2.5:0.5b"


@dataclass(frozen=True)
class KeyHolder:
    user: User
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def key_holder(*, tokens_per_day: int | None = None, models: tuple[str, ...] = (CHAT_MODEL,)) -> KeyHolder:
    """A new attendee with a key, alone in a new workshop with `tokens_per_day` (None: the settings')."""
    instructor = make_user(Role.INSTRUCTOR, "teacher")
    draft = WorkshopDraft(title="Hardening", allowed_models=models, tokens_per_day=tokens_per_day)
    workshop = create_workshop(actor_of(instructor), draft)
    person = make_user(Role.ATTENDEE, "attendee", workshop_id=workshop.id)
    _, secret = create_api_key(actor_of(person), "tests")
    return KeyHolder(person, secret)


def chat_request(api: str, text: str, *, stream: bool, max_tokens: int | None = None) -> tuple[str, dict]:
    """The path and JSON body of one chat request in the gateway's Ollama (`ollama`) or OpenAI (`openai`) shape."""
    messages = [{"role": "user", "content": text}]
    if api == "ollama":
        options = {"num_predict": max_tokens} if max_tokens is not None else {}
        return "/ollama/api/chat", {"model": CHAT_MODEL, "messages": messages, "stream": stream, "options": options}
    body = {"model": CHAT_MODEL, "messages": messages, "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}  # as OpenAI, a stream reports usage only when asked
    return "/v1/chat/completions", body | ({"max_tokens": max_tokens} if max_tokens is not None else {})
