"""Pages for sections that are not built yet: they say what they will be for."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.navigation import SECTIONS, Section
from workshop_app.components.shell import page_shell

BUILT = {
    "/models",
    "/playground",
    "/prompts",
    "/tools",
    "/workshop",
    "/admin",
    "/dashboard",
    "/documents",
    "/collections",
    "/rag",
    "/usage",
    "/evaluate",
    "/arena",
    "/exercises",
}


def _upcoming(section: Section):
    def page() -> rx.Component:
        return page_shell(
            section.label,
            rx.callout(
                f"{section.purpose} This section is not available in this version yet.",
                icon=section.icon,
                width="100%",
            ),
            rx.link("Meanwhile, try the Playground →", href="/playground"),
        )

    page.__name__ = f"{section.label.lower()}_page"
    return page


def register_upcoming(app: rx.App) -> None:
    for section in SECTIONS:
        if section.route not in BUILT:
            app.add_page(_upcoming(section), route=section.route, title=f"{section.label} · Ollama Workshop")
