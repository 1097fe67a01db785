"""Help requests in the UI: the attendee's "Ask for help" button and the instructor's queue of raised hands."""

from __future__ import annotations

import reflex as rx

from workshop_app.state.help_state import HelpState


def ask_for_help_button(on_click: rx.event.EventHandler, button_id: str) -> rx.Component:
    """Shares the current chat or RAG question with the instructor (a copy: the item itself stays private)."""
    return rx.tooltip(
        rx.button(
            rx.icon("hand", size=14), "Ask for help", on_click=on_click, variant="soft", type="button", id=button_id
        ),
        content="Shares what is on this page now with your instructor, who sees it read-only.",
    )


def _hand(hand: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon("hand", size=16, color=rx.color("amber", 10)),
        rx.vstack(
            rx.text(hand["requester"], weight="medium"),
            rx.text(hand["title"], size="1", color=rx.color("gray", 11), trim="both"),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.badge(hand["kind"], variant="soft"),
        rx.text(hand["since"], size="1", color=rx.color("gray", 11)),
        rx.button("Open", size="1", variant="soft", on_click=HelpState.open_request(hand["id"])),
        rx.button("Done", size="1", on_click=HelpState.mark_done(hand["id"])),
        align="center",
        width="100%",
        class_name="help-request",
    )


def _turn(turn: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(turn["role"], size="1", weight="bold", color=rx.color("gray", 11)),
        rx.text(turn["content"], white_space="pre-wrap", size="2"),
        padding="0.5rem",
        border_radius="var(--radius-2)",
        background=rx.color("gray", 3),
        width="100%",
    )


def _shared_view() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(HelpState.viewing_from, ": ", HelpState.viewing_title),
            rx.dialog.description("What they shared when they asked (read-only).", size="2"),
            rx.scroll_area(
                rx.vstack(rx.foreach(HelpState.viewing_turns, _turn), spacing="2"), max_height="60vh", id="help-shared"
            ),
            rx.flex(
                rx.dialog.close(rx.button("Close", variant="soft", on_click=HelpState.close_request)),
                rx.button("Mark done", on_click=HelpState.mark_done(HelpState.viewing_id), id="help-done"),
                justify="end",
                spacing="2",
                margin_top="1rem",
            ),
        ),
        open=HelpState.viewing_id != 0,
        on_open_change=lambda _open: HelpState.close_request(),
    )


def help_queue() -> rx.Component:
    """Raised hands of the workshop on the dashboard, oldest first."""
    return rx.vstack(
        rx.heading("Raised hands", size="4", as_="h2"),
        rx.cond(
            HelpState.hands.length() > 0,
            rx.vstack(rx.foreach(HelpState.hands, _hand), width="100%", spacing="2", id="help-queue"),
            rx.text(
                "Nobody is asking for help right now. "
                "Attendees press “Ask for help” in the Playground or on the RAG page.",
                color=rx.color("gray", 11),
                size="2",
                id="help-queue-empty",
            ),
        ),
        _shared_view(),
        width="100%",
        spacing="2",
    )
