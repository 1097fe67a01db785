"""State of the Compare page: one prompt to 2–4 models, replies side by side, keep the best one."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.chat import history as chats
from workshop_app.services.chat.compare import MAX_MODELS, check_comparison, compare_replies
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.chat.model_choices import chat_models
from workshop_app.services.chat.timing import ReplyTiming
from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.core.streaming import until_stopped
from workshop_app.state import stop_signals
from workshop_app.state.auth_state import AuthState
from workshop_app.state.chat_views import model_row, timing_text
from workshop_app.state.feedback import error_toast
from workshop_app.state.playground_state import PlaygroundState


class CompareState(AuthState):
    models: list[dict[str, str]] = []
    chosen: list[str] = []
    system_prompt: str = ""
    prompt: str = ""
    columns: list[dict[str, str]] = []
    running: bool = False
    _asked: str = ""
    _columns_settings: list[ChatSettings] = []
    _timings: list[ReplyTiming | None] = []

    @rx.var
    def column_count(self) -> int:
        return max(len(self.columns), 1)

    @rx.event
    async def load(self):
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        choices, _ = await chat_models(actor)
        self.models = [model_row(choice) for choice in choices]
        self.chosen = [name for name in self.chosen if any(row["name"] == name for row in self.models)]
        return None

    @rx.event
    def toggle_model(self, name: str, checked: bool):
        if checked and name not in self.chosen and len(self.chosen) < MAX_MODELS:
            self.chosen = [*self.chosen, name]
        elif not checked:
            self.chosen = [chosen for chosen in self.chosen if chosen != name]

    @rx.event
    def set_prompt(self, value: str):
        self.prompt = value

    @rx.event
    def set_system_prompt(self, value: str):
        self.system_prompt = value

    @rx.event
    def stop(self):
        stop_signals.stop(self.router.session.client_token)

    @rx.event
    def run(self):
        """In order after the prompt's last keystroke (see PlaygroundState.send), then in the background."""
        return CompareState.stream_run

    @rx.event(background=True)
    async def stream_run(self):
        async with self:
            if self.running:
                return
            try:
                actor = self.acting()
                self._columns_settings = check_comparison(actor, self.chosen, self.system_prompt, {}, self.prompt)
            except WorkshopError as error:
                yield error_toast(error)
                return
            token, address, self._asked = self.router.session.client_token, self.router.session.client_ip, self.prompt
            self.columns = [
                {"model": s.model, "text": "", "status": "waiting", "position": "", "timing": "", "error": ""}
                for s in self._columns_settings
            ]
            self._timings = [None] * len(self._columns_settings)
            self.running = True
            stop = stop_signals.begin(token)
        try:
            async for update in until_stopped(
                compare_replies(actor, self._columns_settings, self._asked, client_ip=address), stop
            ):
                async with self:
                    column = self.columns[update.index]
                    column["position"] = str(update.position or "")
                    column["text"] += update.text
                    column["status"] = "streaming" if not update.finished else ("failed" if update.error else "done")
                    if update.finished:
                        column["timing"], column["error"] = timing_text(update.timing), update.error
                        self._timings[update.index] = update.timing
        finally:
            stop_signals.end(token)
            async with self:
                for column in self.columns:
                    if column["status"] in ("waiting", "streaming"):
                        column["status"], column["position"] = "stopped", ""
                self.running = False

    @rx.event
    async def continue_with(self, index: int):
        """Keep this column's answer: a new chat with the question and it, opened in the Playground."""
        timing = self._timings[index] if index < len(self._timings) else None
        if self.running or timing is None:
            return None
        try:
            chat_id = chats.continue_with(
                self.acting(), self._columns_settings[index], self._asked, self.columns[index]["text"], timing
            )
        except WorkshopError as error:
            return error_toast(error)
        playground = await self.get_state(PlaygroundState)
        playground.chat_id = chat_id
        return rx.redirect("/playground")
