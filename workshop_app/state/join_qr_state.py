"""The workshop page's QR code of the join link, drawn by the server from the link the page shows."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.workshops.join_qr import join_qr_data_uri
from workshop_app.state.workshop_state import WorkshopState


class JoinQrState(WorkshopState):
    @rx.var
    def join_qr(self) -> str:
        """The selected workshop's join link (code filled in) as an SVG QR code, or empty with none selected."""
        return join_qr_data_uri(self.join_url) if self.selected.get("code") else ""
