"""Profile page: your name and password, signing out everywhere, and personal API keys."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.copy_button import copy_button
from workshop_app.components.entry_card import field
from workshop_app.components.shell import page_shell
from workshop_app.components.table_headers import header_row
from workshop_app.state.profile_state import ProfileState


def _account() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Account", size="4", as_="h2"),
            rx.text(
                "Username: ",
                rx.code(ProfileState.username, id="profile-username"),
                " · role: ",
                rx.badge(ProfileState.role),
            ),
            rx.cond(
                ProfileState.workshop_title != "", rx.text("Workshop: ", rx.text.strong(ProfileState.workshop_title))
            ),
            rx.form(
                rx.hstack(
                    field(
                        "Display name",
                        "display_name",
                        default_value=ProfileState.display_name,
                        required=True,
                        max_length=40,
                    ),
                    rx.button("Save name", type="submit"),
                    align="end",
                    width="100%",
                ),
                on_submit=ProfileState.save_name,
                reset_on_submit=False,
            ),
            rx.hstack(
                rx.button(
                    rx.icon("monitor-x", size=14),
                    "Log out everywhere",
                    on_click=ProfileState.sign_out_everywhere,
                    color_scheme="red",
                    variant="soft",
                ),
                rx.text("Ends every session of this account, on every device.", size="1", color=rx.color("gray", 11)),
                align="center",
            ),
            spacing="3",
        ),
        width="100%",
    )


def _password() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(
                rx.cond(ProfileState.has_password, "Change your password", "Set a password"), size="4", as_="h2"
            ),
            rx.cond(
                ~ProfileState.has_password,
                rx.text(
                    "You joined with a code. Set a password to come back from another device:"
                    " sign in with the username above.",
                    size="2",
                ),
            ),
            rx.form(
                rx.vstack(
                    rx.cond(
                        ProfileState.has_password,
                        field(
                            "Current password", "current_password", type_="password", auto_complete="current-password"
                        ),
                    ),
                    field(
                        "New password", "new_password", type_="password", auto_complete="new-password", required=True
                    ),
                    field(
                        "Repeat the new password",
                        "confirm",
                        type_="password",
                        auto_complete="new-password",
                        required=True,
                    ),
                    rx.button("Save password", type="submit"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=ProfileState.save_password,
                reset_on_submit=True,
            ),
            spacing="3",
        ),
        width="100%",
    )


def _key_row(key: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(key["name"]),
        rx.table.cell(rx.code(key["prefix"], "…")),
        rx.table.cell(key["created"]),
        rx.table.cell(key["last_used"]),
        rx.table.cell(
            rx.cond(
                key["revoked"],
                rx.badge("revoked", color_scheme="gray"),
                rx.button(
                    "Revoke", size="1", color_scheme="red", variant="soft", on_click=ProfileState.revoke_key(key["id"])
                ),
            )
        ),
        class_name="api-key-row",
    )


def _api_keys() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("API keys", size="4", as_="h2"),
            rx.text(
                "For scripts and notebooks: send a key as ",
                rx.code("Authorization: Bearer <key>"),
                " to the REST API (",
                rx.link("docs", href="/docs", is_external=True),
                ").",
                size="2",
            ),
            rx.cond(
                ProfileState.new_key_secret != "",
                rx.callout.root(
                    rx.callout.icon(rx.icon("key-round")),
                    rx.vstack(
                        rx.text("Your new key — copy it now, it is not shown again:", weight="bold"),
                        rx.code(ProfileState.new_key_secret, id="new-api-key", word_break="break-all"),
                        rx.hstack(
                            copy_button(ProfileState.new_key_secret),
                            rx.button("Done", variant="ghost", on_click=ProfileState.dismiss_secret),
                        ),
                    ),
                    color_scheme="green",
                    width="100%",
                ),
            ),
            rx.form(
                rx.hstack(
                    field("Key name", "name", placeholder="notebook", required=True, max_length=80),
                    rx.button(rx.icon("plus", size=14), "Create key", type="submit"),
                    align="end",
                    width="100%",
                ),
                on_submit=ProfileState.create_key,
                reset_on_submit=True,
            ),
            rx.cond(
                ProfileState.keys.length() > 0,
                rx.table.root(
                    header_row("Name", "Key", "Created", "Last used", ""),
                    rx.table.body(rx.foreach(ProfileState.keys, _key_row)),
                    width="100%",
                ),
                rx.text("No API keys yet — create one to use the REST API.", color=rx.color("gray", 11)),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def profile_page() -> rx.Component:
    return page_shell(
        "Profile",
        rx.grid(_account(), _password(), columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
        _api_keys(),
    )
