"""What a model can do, as badges: the capabilities its host lists in /api/show, each with what it means."""

from __future__ import annotations

import reflex as rx

# What each capability from /api/show means to an attendee; "completion" (every chat model) goes unsaid.
CAPABILITY_HINTS = {
    "tools": "can call tools",
    "vision": "reads images",
    "thinking": "shows its reasoning",
    "embedding": "makes embeddings",
    "insert": "fills in the middle",
}
_COLOURS = {"tools": "iris", "vision": "grass", "thinking": "amber", "embedding": "cyan", "insert": "gray"}


def capability_badges(capabilities: rx.Var) -> rx.Component:
    """One badge per capability a model lists (its /api/show `capabilities`), each with what it means."""
    return rx.foreach(
        capabilities,
        lambda capability: rx.cond(
            capability != "completion",
            rx.match(
                capability,
                *[
                    (name, rx.badge(name, color_scheme=colour, variant="soft", title=CAPABILITY_HINTS[name]))
                    for name, colour in _COLOURS.items()
                ],
                rx.badge(capability, variant="soft", color_scheme="gray"),
            ),
        ),
    )
