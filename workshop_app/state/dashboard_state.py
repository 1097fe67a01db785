"""State of the instructor's dashboard: one workshop's activity, refreshed every few seconds."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.dashboard import WorkshopDashboard, workshop_dashboard
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.help_state import HelpState
from workshop_app.state.time_format import ago


class DashboardState(AuthState):
    workshop_options: list[dict[str, str]] = []
    workshop_id: str = ""
    attendees: list[dict[str, str | int | bool]] = []
    hosts: list[dict[str, str | int]] = []
    per_minute: list[dict[str, str | int]] = []
    online: int = 0

    @rx.var
    def requests_today(self) -> int:
        return sum(int(row["requests"]) for row in self.attendees)

    @rx.var
    def tokens_today(self) -> int:
        return sum(int(row["tokens"]) for row in self.attendees)

    @rx.var
    def refusals(self) -> int:
        return sum(int(row["rate_limited"]) for row in self.attendees)

    @rx.event
    async def load(self):
        if (refusal := self.refuse_section("/dashboard")) is not None:
            return refusal
        actor = self.acting()
        runs = [w for w in workshops.list_workshops(actor) if workshops.may_run(actor, w)]
        self.workshop_options = [{"id": str(w.id), "title": w.title} for w in runs]
        if self.workshop_id not in {option["id"] for option in self.workshop_options}:
            self.workshop_id = self.workshop_options[0]["id"] if self.workshop_options else ""
        return DashboardState.refresh

    @rx.event
    def choose(self, workshop_id: str):
        self.workshop_id = workshop_id
        return DashboardState.refresh

    @rx.event
    async def tick(self, _now: str):
        return DashboardState.refresh

    @rx.event
    @toasts_errors
    async def refresh(self):
        if not self.workshop_id:
            return None
        self._show(await workshop_dashboard(self.acting(), int(self.workshop_id)))
        (await self.get_state(HelpState)).load_queue(int(self.workshop_id))
        return None

    def _show(self, board: WorkshopDashboard) -> None:
        self.online = board.online
        self.attendees = [
            {
                "name": a.name,
                "online": a.online,
                "requests": a.requests,
                "tokens": a.tokens,
                "errors": a.errors,
                "rate_limited": a.rate_limited,
                "last": ago(a.last_activity),
            }
            for a in board.attendees
        ]
        self.hosts = [
            {
                "url": h.url,
                "engine": h.engine,
                "in_flight": h.in_flight,
                "parallelism": h.parallelism,
                "waiting": h.waiting,
            }
            for h in board.hosts
        ]
        self.per_minute = [{"minute": m.minute, "requests": m.requests} for m in board.per_minute]
