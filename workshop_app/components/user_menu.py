"""The top bar's user menu: who is signed in, their profile and API keys, signing out."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.by_width import by_width
from workshop_app.state.auth_state import AuthState


def user_menu() -> rx.Component:
    return rx.cond(
        AuthState.username != "",
        rx.dropdown_menu.root(
            rx.dropdown_menu.trigger(
                rx.button(
                    rx.icon("circle-user", size=18),
                    rx.text(
                        AuthState.display_name,
                        as_="span",
                        max_width=["5rem", "12rem"],
                        overflow="hidden",
                        text_overflow="ellipsis",
                        white_space="nowrap",
                    ),
                    # No room for the role on a phone.
                    by_width(["none", "inline-flex"], rx.badge(AuthState.role, variant="soft", size="1"), inline=True),
                    variant="ghost",
                    id="user-menu",
                ),
            ),
            rx.dropdown_menu.content(
                rx.text(
                    AuthState.username, size="1", color=rx.color("gray", 11), padding_x="0.75rem", padding_y="0.25rem"
                ),
                rx.dropdown_menu.item(
                    rx.icon("user", size=14), "Profile & API keys", on_select=rx.redirect("/profile")
                ),
                rx.dropdown_menu.separator(),
                rx.dropdown_menu.item(rx.icon("log-out", size=14), "Log out", on_select=AuthState.sign_out),
                rx.dropdown_menu.item(
                    rx.icon("monitor-x", size=14),
                    "Log out everywhere",
                    on_select=AuthState.sign_out_everywhere,
                    color_scheme="red",
                ),
            ),
        ),
        rx.link("Sign in", href="/login"),
    )
