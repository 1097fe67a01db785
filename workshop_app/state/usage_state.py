"""The My usage page: the signed-in person's quota, rate limit, waits and models, as the limiter counts them."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.sharing.usage import my_usage
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.usage_views import UsageView, usage_view


class UsageState(AuthState):
    usage: UsageView = UsageView()
    loaded: bool = False

    @rx.event
    @toasts_errors
    async def load(self):
        """Read the figures afresh (on opening the page and on Refresh)."""
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        self.usage = usage_view(await my_usage(actor))
        self.loaded = True
