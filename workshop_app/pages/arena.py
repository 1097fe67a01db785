"""Arena page: two anonymous models answer side by side, the attendee votes, then sees who was who.

Instructors open the arena on their workshop's models and watch the leaderboard live.
"""

from __future__ import annotations

import reflex as rx

from workshop_app.components.reply_markdown import reply_markdown
from workshop_app.components.running_elsewhere import running_elsewhere_notice
from workshop_app.components.shell import page_shell
from workshop_app.components.workshop_picker import with_a_workshop, workshop_picker
from workshop_app.state.arena_state import LEADERBOARD_REFRESH_MS, ArenaState

VOTES = (("a", "A is better"), ("b", "B is better"), ("tie", "Tie"), ("both_bad", "Both are bad"))


def _column(column: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(column["label"], weight="bold"),
                rx.cond(column["model"] != "", rx.badge(column["model"], color_scheme="green", class_name="revealed")),
                rx.spacer(),
                rx.badge(column["status"], variant="soft"),
                width="100%",
            ),
            rx.cond(
                column["position"] != "",
                rx.text("Waiting for a turn — position ", column["position"], size="1", color=rx.color("amber", 11)),
            ),
            reply_markdown(column["text"]),
            rx.cond(column["error"] != "", rx.text(column["error"], color=rx.color("red", 11), size="2")),
            width="100%",
            spacing="2",
        ),
        class_name="arena-column",
        min_width="0",
    )


def _prompt_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.text_area(
                value=ArenaState.prompt,
                on_change=ArenaState.set_prompt,
                enter_key_submit=True,
                placeholder="A prompt for two anonymous models… (Enter sends)",
                aria_label="Arena prompt",
                rows="2",
                flex="1",
            ),
            rx.cond(
                ArenaState.streaming,
                rx.button(
                    rx.icon("square", size=14), "Stop", on_click=ArenaState.stop, color_scheme="red", type="button"
                ),
                rx.button(rx.icon("swords", size=14), "Send", type="submit", id="arena-send"),
            ),
            width="100%",
            align="end",
        ),
        on_submit=lambda _form: ArenaState.send(),
        width="100%",
    )


def _votes() -> rx.Component:
    return rx.cond(
        ArenaState.may_vote,
        rx.flex(
            *[
                rx.button(label, on_click=ArenaState.vote(value), variant="soft", class_name=f"vote-{value}")
                for value, label in VOTES
            ],
            wrap="wrap",
            spacing="2",
            role="group",
            aria_label="Your vote",
        ),
        rx.cond(ArenaState.vote_cast != "", rx.text("Thanks — your vote is counted. The names are shown above.")),
    )


def _play() -> rx.Component:
    return rx.cond(
        ArenaState.arena_open,
        rx.vstack(
            _prompt_form(),
            rx.cond(
                ArenaState.asked != "",
                rx.text("You asked: ", rx.text.span(ArenaState.asked, weight="medium"), id="arena-asked"),
            ),
            rx.grid(
                rx.foreach(ArenaState.columns, _column),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
                id="arena-columns",
            ),
            _votes(),
            width="100%",
            spacing="3",
        ),
        rx.callout("No arena is open in your workshop right now.", icon="info", width="100%"),
    )


def _leaderboard() -> rx.Component:
    headers = ("#", "Model", "Score", "95 % interval", "Votes", "Won / lost / tied")
    keys = ("rank", "model", "score", "interval", "votes", "record")
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(
            rx.foreach(
                ArenaState.board,
                lambda row: rx.table.row(*[rx.table.cell(row[k]) for k in keys], class_name="board-row"),
            )
        ),
        width="100%",
        id="arena-leaderboard",
    )


def _instructor() -> rx.Component:
    return rx.vstack(
        rx.heading("Run the arena", size="4", as_="h2"),
        workshop_picker(ArenaState),
        rx.flex(
            rx.foreach(
                ArenaState.candidates,
                lambda name: rx.checkbox(
                    name,
                    checked=ArenaState.chosen.contains(name),
                    on_change=lambda checked: ArenaState.toggle_model(name, checked),
                ),
            ),
            wrap="wrap",
            spacing="5",
            role="group",
            aria_label="Arena models",
        ),
        rx.flex(
            rx.button(rx.icon("play", size=14), "Open arena", on_click=ArenaState.open_arena, id="arena-open"),
            rx.cond(
                ArenaState.arena_open,
                rx.button("Close arena", on_click=ArenaState.close_arena, variant="soft", color_scheme="gray"),
            ),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", on_click=ArenaState.refresh_board, variant="soft"),
            rx.button(rx.icon("download", size=14), "CSV", on_click=ArenaState.download_csv, variant="soft"),
            wrap="wrap",
            spacing="2",
        ),
        rx.text(
            "Leaderboard (Bradley–Terry, 1000 = average; updates every few seconds)",
            size="2",
            color=rx.color("gray", 11),
        ),
        _leaderboard(),
        rx.moment(interval=LEADERBOARD_REFRESH_MS, on_change=ArenaState.tick, display="none"),
        width="100%",
        spacing="3",
    )


def arena_page() -> rx.Component:
    return page_shell(
        "Arena",
        rx.text("Two anonymous models answer the same prompt. Vote for the better one; then see who they were."),
        running_elsewhere_notice(
            ArenaState, "A round of yours is streaming in another tab; vote there or here once done."
        ),
        rx.cond(ArenaState.is_instructor, with_a_workshop(ArenaState, _instructor(), "Arenas"), _play()),
    )
