"""State of the Arena page: attendees judge two anonymous models; instructors open it and watch the leaderboard.

The page never holds a model's name before the vote: the round's A/B mapping stays in the
service, and the revealed names arrive in the round view the vote returns.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from workshop_app.services.arena import rounds
from workshop_app.services.arena.leaderboard import leaderboard, leaderboard_csv
from workshop_app.services.arena.rounds import ARENA_ROUND, RoundView
from workshop_app.services.chat.compare import ColumnUpdate
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.policy import Actor
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.streaming import Reply, StreamingPage, Watched, stream_reply

LEADERBOARD_REFRESH_MS = 5000


class ArenaState(StreamingPage, AuthState):
    workshop_options: list[dict[str, str]] = []
    workshop_id: str = ""
    candidates: list[str] = []
    chosen: list[str] = []
    arena_models: list[str] = []
    arena_open: bool = False
    board: list[dict[str, str]] = []
    prompt: str = ""
    columns: list[dict[str, str]] = []
    round_id: int = 0
    asked: str = ""  # the current round's prompt
    vote_cast: str = ""

    @rx.var
    def may_vote(self) -> bool:
        return self.round_id > 0 and not self.vote_cast and not self.streaming

    @rx.event
    @toasts_errors
    async def load(self):
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        runs = [w for w in workshops.list_workshops(actor) if workshops.may_run(actor, w)]
        self.workshop_options = [{"id": str(w.id), "title": w.title} for w in runs]
        if self.workshop_id not in {option["id"] for option in self.workshop_options}:
            own = actor.workshop_id or (runs[0].id if runs else None)
            self.workshop_id = str(own) if own else ""
        return ArenaState.refresh

    @rx.event
    def choose_workshop(self, workshop_id: str):
        self.workshop_id, self.chosen = workshop_id, []
        return ArenaState.refresh

    @rx.event
    @toasts_errors
    async def refresh(self):
        """The arena's state, and for the people who run the workshop its models to choose and the leaderboard."""
        if not self.workshop_id:
            return None
        actor = self.acting()
        self._show_arena(rounds.get_arena(actor, int(self.workshop_id)))
        if self.is_instructor:
            self.candidates = await rounds.candidate_models(actor, int(self.workshop_id))
            await self._show_board(actor)
        else:
            self._resume(actor)
        return self._look_elsewhere()

    def _watched(self) -> Watched | None:
        """A round of the person's streaming in another tab."""
        return (ARENA_ROUND, None)

    def _ended_elsewhere(self) -> rx.event.EventSpec | None:
        """The round streaming elsewhere ended: show it as it was kept, ready for the vote."""
        self.running_elsewhere = False
        return ArenaState.refresh

    @rx.event
    async def tick(self, _now: str):
        if self.is_instructor and self.workshop_id:
            return ArenaState.refresh_board
        return None

    @rx.event
    @toasts_errors
    async def refresh_board(self):
        await self._show_board(self.acting())

    def _show_arena(self, arena: rounds.ArenaView | None) -> None:
        self.arena_open = bool(arena and arena.is_open)
        self.arena_models = list(arena.models) if arena else []
        if arena and not self.chosen:
            self.chosen = list(arena.models)

    async def _show_board(self, actor: Actor) -> None:
        """Ranked off the event loop: the bootstrap takes a moment with many votes."""
        ranked = await asyncio.to_thread(leaderboard, actor, int(self.workshop_id))
        self.board = [
            {
                "rank": str(rank),
                "model": row.model,
                "score": f"{row.score:.0f}",
                "interval": f"{row.low:.0f} – {row.high:.0f}",
                "votes": str(row.votes),
                "record": f"{row.wins} / {row.losses} / {row.ties}",
            }
            for rank, row in enumerate(ranked, start=1)
        ]

    def _resume(self, actor: Actor) -> None:
        """After a reload: the person's latest round, still waiting for their vote or with the names shown."""
        if self.streaming or self.columns:
            return
        latest = next(iter(rounds.my_rounds(actor, int(self.workshop_id))), None)
        if latest is not None:
            self.round_id, self.vote_cast, self.asked = latest.id, latest.vote or "", latest.prompt
            names = latest.models or ["", ""]
            self.columns = [
                _column(label, text, "done", name)
                for label, text, name in zip(rounds.LABELS, latest.replies, names, strict=True)
            ]

    @rx.event
    def toggle_model(self, name: str, checked: bool):
        self.chosen = [m for m in self.chosen if m != name] + ([name] if checked else [])

    @rx.event
    @toasts_errors
    def open_arena(self):
        self._show_arena(rounds.open_arena(self.acting(), int(self.workshop_id or 0), self.chosen))
        return rx.toast.success("The arena is open: attendees can send prompts now.")

    @rx.event
    @toasts_errors
    def close_arena(self):
        self._show_arena(rounds.close_arena(self.acting(), int(self.workshop_id or 0)))

    @rx.event
    @toasts_errors
    def download_csv(self):
        text = leaderboard_csv(self.acting(), int(self.workshop_id or 0))
        return rx.download(data=text, filename=f"arena-leaderboard-{self.workshop_id}.csv")

    @rx.event
    def set_prompt(self, value: str):
        self.prompt = value

    @rx.event
    def send(self):
        """In order after the prompt's last keystroke, then in the background (see PlaygroundState.send)."""
        return ArenaState.stream_round

    @rx.event(background=True)
    async def stream_round(self):
        return await stream_reply(self, self._start)

    async def _start(self, actor: Actor) -> Reply:
        """A new round: two empty anonymous columns; which model is which stays in the service."""
        started = rounds.start_round(actor, int(self.workshop_id or 0), self.prompt)
        self.round_id, self.vote_cast, self.asked = started.id, "", started.prompt
        self.columns = [_column(label) for label in rounds.LABELS]
        updates = rounds.play_round(actor, started.id, client_ip=self.router.session.client_ip)
        return Reply(updates, show=self._show, ended=self._keep)

    def _show(self, update: ColumnUpdate) -> None:
        column = self.columns[update.index]
        column["position"] = str(update.position or "")
        column["text"] += update.text
        column["status"] = "streaming" if not update.finished else ("failed" if update.error else "done")
        column["error"] = update.error

    async def _keep(self) -> None:
        """Keep what both answered, however the round ended (Stop included)."""
        for column in self.columns:
            if column["status"] in ("waiting", "streaming"):
                column["status"], column["position"] = "stopped", ""
        rounds.keep_replies(await self.acting_off_loop(), self.round_id, [c["text"] for c in self.columns])

    @rx.event
    @toasts_errors
    def vote(self, choice: str):
        self._reveal(rounds.vote(self.acting(), self.round_id, choice))

    def _reveal(self, voted: RoundView) -> None:
        self.vote_cast = voted.vote or ""
        for column, name in zip(self.columns, voted.models, strict=True):
            column["model"] = name


def _column(label: str, text: str = "", status: str = "waiting", model: str = "") -> dict[str, str]:
    """One side of a round as the page shows it; `model` stays empty until the vote."""
    return {"label": f"Model {label}", "text": text, "status": status, "position": "", "error": "", "model": model}
