"""Admin page: every account; change roles, disable accounts, reset passwords."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.copy_button import copy_button
from workshop_app.components.entry_card import label_for
from workshop_app.components.shell import page_shell
from workshop_app.components.table_headers import header_row
from workshop_app.state.admin_state import AdminState

ROLES = ["admin", "instructor", "attendee"]


def _row(account: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(rx.text(account["display_name"], weight="medium"), rx.code(account["username"]), spacing="1")
        ),
        rx.table.cell(
            rx.select.root(
                rx.select.trigger(aria_label="Role of " + account["username"].to(str)),
                rx.select.content(*(rx.select.item(role, value=role) for role in ROLES)),
                value=account["role"].to(str),
                on_change=lambda role: AdminState.change_role(account["id"], role),
                size="1",
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.switch(
                    checked=~account["disabled"].to(bool),
                    on_change=lambda enabled: AdminState.set_disabled(account["id"], ~enabled),
                    disabled=account["is_me"].to(bool),
                    aria_label="Account enabled",
                ),
                rx.text(rx.cond(account["disabled"], "disabled", "active"), size="2"),
                align="center",
            )
        ),
        rx.table.cell(account["last_active"]),
        rx.table.cell(account["created"]),
        rx.table.cell(
            rx.button(
                "Reset password",
                size="1",
                variant="soft",
                on_click=AdminState.reset_password(account["id"], account["username"]),
            )
        ),
        class_name="account-row",
    )


def _temporary_password() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Temporary password for ", AdminState.temporary_for),
            rx.dialog.description(
                "Give it to the person; they should change it on their profile page. Any old sessions have ended."
            ),
            rx.hstack(
                rx.code(AdminState.temporary_password, size="5", id="temporary-password"),
                copy_button(AdminState.temporary_password),
                align="center",
            ),
            rx.flex(
                rx.dialog.close(rx.button("Done", on_click=AdminState.dismiss_password)),
                justify="end",
                margin_top="1rem",
            ),
        ),
        open=AdminState.temporary_password != "",
        on_open_change=lambda _open: AdminState.dismiss_password(),
    )


def _labelled_input(label: str, control_id: str, name: str, placeholder: str) -> rx.Component:
    control = rx.input(id=control_id, name=name, placeholder=placeholder, required=True)
    return rx.vstack(label_for(label, control_id), control, spacing="1")


def _new_instructor() -> rx.Component:
    """Create an instructor account directly (no self-registration and promotion needed)."""
    return rx.form(
        rx.hstack(
            _labelled_input("Username", "instructor-username", "username", "grace.hopper"),
            _labelled_input("Display name", "instructor-display-name", "display_name", "Grace Hopper"),
            rx.button(rx.icon("user-plus", size=14), "Create instructor", type="submit", id="create-instructor"),
            align="end",
            wrap="wrap",
            spacing="3",
        ),
        on_submit=AdminState.create_instructor,
        reset_on_submit=True,
        width="100%",
    )


def admin_page() -> rx.Component:
    return page_shell(
        "Admin",
        rx.cond(
            AdminState.refused != "",
            rx.callout(AdminState.refused, icon="shield-alert", color_scheme="amber", width="100%"),
            rx.vstack(
                rx.text(
                    "Every account on this platform. Make someone an instructor so they can run workshops; "
                    "disabling an account signs it out everywhere.",
                    color=rx.color("gray", 11),
                ),
                rx.heading("New instructor", size="4", as_="h2"),
                _new_instructor(),
                rx.table.root(
                    header_row("Person", "Role", "Status", "Last active", "Created", ""),
                    rx.table.body(rx.foreach(AdminState.accounts, _row)),
                    width="100%",
                    variant="surface",
                ),
                width="100%",
            ),
        ),
        _temporary_password(),
    )
