"""The Workshop page: instructors create, edit, open/close and run workshops; attendees see theirs."""

from __future__ import annotations

import reflex as rx

from workshop_app.db.workshops import Workshop
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.join_addresses import join_addresses
from workshop_app.services.workshops.lifecycle import WorkshopDraft
from workshop_app.services.workshops.policy import Actor
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.time_format import ago


def _limit(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(f"{text!r} is not a whole number.", hint="Leave the limit empty for no limit.")
    return int(text)


def _draft(form: dict) -> WorkshopDraft:
    return WorkshopDraft(
        title=form.get("title", ""),
        description=form.get("description", ""),
        allowed_models=tuple(form.get("models", "").replace("\n", ",").split(",")),
        requests_per_minute=_limit(form.get("requests_per_minute", "")),
        tokens_per_day=_limit(form.get("tokens_per_day", "")),
        attendees_build_models=form.get("attendees_build_models") == "on",
    )


def _row(workshop: Workshop, actor: Actor) -> dict[str, str | int | bool]:
    return {
        "id": workshop.id or 0,
        "runs": workshops.may_run(actor, workshop),
        "title": workshop.title,
        "description": workshop.description,
        "code": workshop.join_code,
        "open": workshop.is_open,
        "models": ", ".join(workshop.allowed_models),
        "requests_per_minute": "" if workshop.requests_per_minute is None else str(workshop.requests_per_minute),
        "tokens_per_day": "" if workshop.tokens_per_day is None else str(workshop.tokens_per_day),
        "attendees_build_models": workshop.attendees_build_models,
    }


class WorkshopState(AuthState):
    workshops: list[dict[str, str | int | bool]] = []
    selected_id: int = 0
    roster: list[dict[str, str | int | bool]] = []
    form_open: bool = False
    editing: bool = False  # the form edits the selected workshop instead of creating one
    projector_open: bool = False
    origin: str = ""  # where attendees reach the app: this machine's network address when browsing at localhost
    other_origins: list[str] = []  # further addresses of this machine (another network interface)
    origin_warning: str = ""  # set when the instructor's own address would only work on this machine

    @rx.var
    def selected(self) -> dict[str, str | int | bool]:
        return next((w for w in self.workshops if w["id"] == self.selected_id), {})

    @rx.var
    def join_url(self) -> str:
        return f"{self.origin}/join/{self.selected.get('code', '')}"

    @rx.event
    def load(self):
        if (refusal := self.refuse_section("/workshop")) is not None:
            return refusal
        found = join_addresses(self.router.url.origin)
        self.origin, self.other_origins, self.origin_warning = found.primary, found.origins[1:], found.warning
        return self._reload()

    @rx.event
    def select(self, workshop_id: int):
        self.selected_id = workshop_id
        return self._reload()

    @rx.event
    def refresh_roster(self):
        return self._reload()

    @rx.event
    def open_new(self):
        self.editing, self.form_open = False, True

    @rx.event
    def open_edit(self):
        self.editing, self.form_open = True, True

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = value

    @rx.event
    def set_projector_open(self, value: bool):
        self.projector_open = value

    @rx.event
    @toasts_errors
    def save(self, form: dict):
        actor, draft = self.acting(), _draft(form)
        if self.editing:
            workshops.update_workshop(actor, self.selected_id, draft)
        else:
            self.selected_id = workshops.create_workshop(actor, draft).id or 0
        self.form_open = False
        return self._reload()

    @rx.event
    def set_open(self, is_open: bool):
        return self._act(lambda actor: workshops.set_open(actor, self.selected_id, is_open))

    @rx.event
    def remove_attendee(self, user_id: int):
        return self._act(lambda actor: workshops.remove_attendee(actor, self.selected_id, user_id))

    def _act(self, action):
        return self.attempt(action) or self._reload()

    @toasts_errors
    def _reload(self):
        actor = self.acting()
        self.workshops = [_row(w, actor) for w in workshops.list_workshops(actor)]
        ids = [w["id"] for w in self.workshops]
        self.selected_id = self.selected_id if self.selected_id in ids else (ids[0] if ids else 0)
        entries = workshops.roster(actor, self.selected_id) if self.selected.get("runs") else []
        self.roster = [
            {
                "user_id": e.user_id,
                "display_name": e.display_name,
                "username": e.username,
                "joined": ago(e.joined_at),
                "last_active": ago(e.last_active_at),
                "has_password": e.has_password,
            }
            for e in entries
        ]
