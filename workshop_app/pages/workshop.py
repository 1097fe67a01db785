"""Workshop page: instructors create and run workshops (code, roster, open/closed); attendees see theirs."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.bundle_panel import export_button, import_button
from workshop_app.components.copy_button import copy_button
from workshop_app.components.entry_card import field, label_for
from workshop_app.components.shell import page_shell
from workshop_app.components.table_headers import header_row
from workshop_app.state.join_qr_state import JoinQrState
from workshop_app.state.workshop_state import WorkshopState

W = WorkshopState.selected


def _form_dialog() -> rx.Component:
    def current(key: str):
        return rx.cond(WorkshopState.editing, W[key].to(str), "")

    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(WorkshopState.editing, "Edit workshop", "New workshop")),
            rx.form(
                rx.vstack(
                    field(
                        "Title",
                        "title",
                        default_value=current("title"),
                        required=True,
                        max_length=120,
                        placeholder="Intro to local LLMs",
                    ),
                    label_for("Description", "description"),
                    rx.text_area(
                        id="description",
                        name="description",
                        default_value=current("description"),
                        width="100%",
                        max_length=2000,
                    ),
                    field(
                        "Models attendees may use (comma-separated; empty = all)",
                        "models",
                        default_value=current("models"),
                        placeholder="llama3.2:1b, qwen2.5:0.5b",
                    ),
                    rx.hstack(
                        field(
                            "Requests per minute (per attendee)",
                            "requests_per_minute",
                            default_value=current("requests_per_minute"),
                            placeholder="no limit",
                            input_mode="numeric",
                        ),
                        field(
                            "Tokens per day (per attendee)",
                            "tokens_per_day",
                            default_value=current("tokens_per_day"),
                            placeholder="no limit",
                            input_mode="numeric",
                        ),
                        width="100%",
                    ),
                    rx.checkbox(
                        "Attendees may build their own models (model builder)",
                        name="attendees_build_models",
                        default_checked=rx.cond(WorkshopState.editing, W["attendees_build_models"].to(bool), False),
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Save", type="submit", id="save-workshop"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=WorkshopState.save,
                reset_on_submit=False,
            ),
        ),
        open=WorkshopState.form_open,
        on_open_change=WorkshopState.set_form_open,
    )


def _join_qr(size: str, id_: str) -> rx.Component:
    """The join link (code filled in) as a QR code a phone's camera opens."""
    return rx.image(
        src=JoinQrState.join_qr,
        alt="QR code of the join link",
        width=size,
        height=size,
        border_radius="var(--radius-2)",
        id=id_,
    )


def _projector() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.text(W["title"], size="7", weight="bold"),
                rx.flex(
                    rx.vstack(
                        rx.text("Scan to join", size="6"), _join_qr("min(45vh, 40vw)", "projector-qr"), align="center"
                    ),
                    rx.vstack(
                        rx.text("or open this address and type the code:", size="6"),
                        rx.code(WorkshopState.origin + "/join", size="8"),
                        rx.text(
                            W["code"],
                            font_size="clamp(2.5rem, 6vw, 9rem)",
                            weight="bold",
                            font_family="monospace",
                            white_space="nowrap",
                            id="projector-code",
                        ),
                        align="center",
                    ),
                    direction=rx.breakpoints(initial="column", md="row"),
                    align="center",
                    justify="center",
                    spacing="8",
                ),
                rx.dialog.close(rx.button("Close (Esc)", variant="soft", size="3")),
                align="center",
                justify="center",
                spacing="6",
                height="100%",
            ),
            # Radix Themes caps dialogs at 600px through its own props; the projector view takes the whole screen.
            custom_attrs={"maxWidth": "100vw", "width": "100vw", "height": "100vh", "maxHeight": "100vh"},
            border_radius="0",
        ),
        open=WorkshopState.projector_open,
        on_open_change=WorkshopState.set_projector_open,
    )


def _code_card() -> rx.Component:
    return rx.card(
        rx.flex(
            _code_details(),
            rx.vstack(
                _join_qr("10rem", "join-qr"),
                rx.text("Phones: scan to join", size="1", color=rx.color("gray", 11)),
                align="center",
                spacing="1",
                flex_shrink="0",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            justify="between",
            spacing="4",
        ),
        width="100%",
    )


def _code_details() -> rx.Component:
    return rx.vstack(
        rx.text("Join code", size="2", color=rx.color("gray", 11)),
        rx.text(W["code"], size="8", weight="bold", font_family="monospace", id="join-code"),
        rx.text("Attendees open ", rx.code(WorkshopState.join_url, id="join-url", word_break="break-all"), size="2"),
        rx.cond(
            WorkshopState.other_origins.length() > 0,
            rx.text(
                "or, from another network of this machine: ",
                rx.foreach(
                    WorkshopState.other_origins,
                    lambda origin: rx.code(origin + "/join", margin_right="0.5rem"),
                ),
                size="2",
                color=rx.color("gray", 11),
            ),
        ),
        rx.cond(
            WorkshopState.origin_warning != "",
            rx.callout(
                WorkshopState.origin_warning, icon="wifi", color_scheme="amber", size="1", id="join-address-warning"
            ),
        ),
        rx.hstack(
            copy_button(W["code"], "Copy code"),
            copy_button(WorkshopState.join_url, "Copy link"),
            rx.button(
                rx.icon("presentation", size=14),
                "Show on projector",
                on_click=WorkshopState.set_projector_open(True),
                variant="soft",
                id="projector-button",
            ),
            wrap="wrap",
        ),
        spacing="2",
        min_width="0",
    )


def _roster_row(entry: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(entry["display_name"]),
        rx.table.cell(rx.code(entry["username"])),
        rx.table.cell(entry["joined"]),
        rx.table.cell(entry["last_active"]),
        rx.table.cell(rx.cond(entry["has_password"], "yes", "no")),
        rx.table.cell(
            rx.button(
                "Remove",
                size="1",
                color_scheme="red",
                variant="soft",
                on_click=WorkshopState.remove_attendee(entry["user_id"]),
            )
        ),
        class_name="roster-row",
    )


def _roster() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Roster", size="4", as_="h2"),
            rx.badge(WorkshopState.roster.length().to_string() + " attendees"),
            rx.spacer(),
            rx.button(
                rx.icon("refresh-cw", size=14),
                "Refresh",
                on_click=WorkshopState.refresh_roster,
                variant="soft",
                size="1",
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            WorkshopState.roster.length() > 0,
            rx.table.root(
                header_row("Name", "Username", "Joined", "Last active", "Password", ""),
                rx.table.body(rx.foreach(WorkshopState.roster, _roster_row)),
                width="100%",
                variant="surface",
                id="roster",
            ),
            rx.text("Nobody has joined yet — show the join code on the projector.", color=rx.color("gray", 11)),
        ),
        width="100%",
    )


def _selected() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(W["title"], size="5", as_="h2"),
            rx.cond(
                W["open"],
                rx.badge("open for joining", color_scheme="green"),
                rx.badge("closed to new attendees", color_scheme="amber"),
            ),
            rx.spacer(),
            rx.cond(
                W["runs"],
                rx.hstack(
                    rx.button(rx.icon("pencil", size=14), "Edit", on_click=WorkshopState.open_edit, variant="soft"),
                    export_button(W["id"]),
                    rx.cond(
                        W["open"],
                        rx.button(
                            rx.icon("lock", size=14),
                            "Close workshop",
                            on_click=WorkshopState.set_open(False),
                            color_scheme="amber",
                            id="close-workshop",
                        ),
                        rx.button(
                            rx.icon("lock-open", size=14),
                            "Reopen",
                            on_click=WorkshopState.set_open(True),
                            id="reopen-workshop",
                        ),
                    ),
                    wrap="wrap",
                ),
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.cond(W["description"] != "", rx.text(W["description"])),
        rx.text(
            "Models: ",
            rx.cond(W["models"] != "", W["models"], "all models"),
            " · requests/minute: ",
            rx.cond(W["requests_per_minute"] != "", W["requests_per_minute"], "no limit"),
            " · tokens/day: ",
            rx.cond(W["tokens_per_day"] != "", W["tokens_per_day"], "no limit"),
            size="2",
            color=rx.color("gray", 11),
        ),
        _code_card(),
        rx.cond(W["runs"], _roster()),
        width="100%",
        spacing="4",
    )


def _picker() -> rx.Component:
    return rx.cond(
        WorkshopState.workshops.length() > 1,
        rx.hstack(
            rx.foreach(
                WorkshopState.workshops,
                lambda w: rx.button(
                    w["title"],
                    variant=rx.cond(w["id"] == WorkshopState.selected_id, "solid", "soft"),
                    on_click=WorkshopState.select(w["id"]),
                    size="1",
                ),
            ),
            wrap="wrap",
        ),
    )


def _empty() -> rx.Component:
    return rx.cond(
        WorkshopState.is_instructor,
        rx.callout.root(
            rx.callout.icon(rx.icon("users")),
            rx.vstack(
                rx.text("No workshops yet — create one. Attendees join it with its code and land in the playground."),
                rx.hstack(
                    rx.button(rx.icon("plus", size=14), "New workshop", on_click=WorkshopState.open_new),
                    import_button(),
                ),
            ),
            width="100%",
        ),
        rx.callout(
            rx.text("You are not in a workshop. ", rx.link("Join one with its code", href="/join"), "."),
            icon="users",
            width="100%",
        ),
    )


def workshop_page() -> rx.Component:
    return page_shell(
        "Workshop",
        rx.cond(
            WorkshopState.is_instructor & (WorkshopState.workshops.length() > 0),
            rx.hstack(
                _picker(),
                rx.spacer(),
                import_button(),
                rx.button(rx.icon("plus", size=14), "New workshop", on_click=WorkshopState.open_new, id="new-workshop"),
                width="100%",
            ),
        ),
        rx.cond(WorkshopState.workshops.length() > 0, _selected(), _empty()),
        _form_dialog(),
        _projector(),
    )
