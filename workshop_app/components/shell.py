"""The one shell every page lives in: sidebar, top bar with the user menu and the colour-mode toggle."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.by_width import by_width
from workshop_app.components.navigation import SECTIONS, Section
from workshop_app.components.user_menu import user_menu
from workshop_app.state.auth_state import AuthState

PRODUCT_NAME = "Ollama Workshop"
LOGO = "/icon.svg"  # assets/icon.svg, served at the site's root like every file in assets/


def _nav_link(section: Section) -> rx.Component:
    active = rx.State.router.page.path == section.route
    # "&&" doubles the class specificity: pages with an upload field load the theme's
    # stylesheet a second time after these rules, and equal specificity would then lose.
    return rx.link(
        rx.hstack(rx.icon(section.icon, size=18), rx.text(section.label, size="3"), spacing="3", align="center"),
        href=section.route,
        underline="none",
        style={
            "&&": {
                "color": rx.cond(active, rx.color("accent", 11), rx.color("gray", 11)),
                "background": rx.cond(active, rx.color("accent", 3), "transparent"),
                "border_radius": "var(--radius-3)",
                "padding": "0.5rem 0.75rem",
                "width": "100%",
            },
            "&&:hover": {"background": rx.color("gray", 3)},
        },
    )


def _section_links(label: str) -> rx.Component:
    """The sections this person's role has (the services decide which routes are closed to it)."""
    return rx.el.nav(
        rx.vstack(
            *(
                rx.cond(AuthState.closed_routes.contains(section.route), rx.fragment(), _nav_link(section))
                for section in SECTIONS
            ),
            spacing="1",
            width="100%",
        ),
        aria_label=label,
        width="100%",
    )


def logo() -> rx.Component:
    """The app's mark (decorative: the product name always stands beside it)."""
    return rx.image(src=LOGO, alt="", width="28px", height="28px", class_name="app-logo")


def _brand() -> rx.Component:
    return rx.hstack(
        logo(),
        rx.text(PRODUCT_NAME, size="4", weight="bold", white_space="nowrap"),  # each page's title is its one h1
    )


def sidebar() -> rx.Component:
    """The product's name and the sections: the page's banner landmark, beside its main one."""
    return by_width(
        ["none", "none", "block"],
        rx.el.header(
            rx.vstack(
                _brand(),
                rx.divider(),
                _section_links("Sections"),
                width="16rem",
                min_width="16rem",
                height="100vh",
                padding="1rem",
                spacing="4",
                border_right=f"1px solid {rx.color('gray', 5)}",
                background=rx.color("gray", 2),
            )
        ),
        position="sticky",
        top="0",
        flex_shrink="0",
    )


def narrow_menu() -> rx.Component:
    """Phones and narrow windows, where the sidebar does not fit: a menu button opening the sections as a sheet."""
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.icon_button(
                rx.icon("menu", size=20), variant="ghost", aria_label="Open the sections menu", id="menu-button"
            ),
        ),
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    _brand(),
                    rx.spacer(),
                    rx.dialog.close(
                        rx.icon_button(rx.icon("x", size=18), variant="ghost", aria_label="Close the menu")
                    ),
                    width="100%",
                ),
                rx.dialog.title("Sections", size="2", color=rx.color("gray", 11), margin="0"),
                rx.dialog.close(rx.box(_section_links("Sections menu"), width="100%")),
                spacing="3",
                width="100%",
            ),
            # A sheet from the left edge instead of Radix's centred box.
            custom_attrs={
                "maxWidth": "min(20rem, 85vw)",
                "width": "min(20rem, 85vw)",
                "height": "100dvh",
                "maxHeight": "100dvh",
            },
            position="fixed",
            top="0",
            left="0",
            border_radius="0",
            id="sections-menu",
        ),
    )


def top_bar(title: str) -> rx.Component:
    return rx.hstack(
        by_width(["block", "block", "none"], narrow_menu()),
        rx.heading(title, size=rx.breakpoints(initial="5", sm="6"), as_="h1"),
        rx.spacer(),
        user_menu(),
        rx.color_mode.button(aria_label="Toggle light and dark mode", variant="ghost"),
        width="100%",
        align="center",
        padding_y="0.75rem",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
    )


def page_shell(title: str, *children: rx.Component) -> rx.Component:
    """Wrap a page's content in the sidebar and top bar."""
    return rx.hstack(
        sidebar(),
        rx.el.main(
            rx.vstack(
                top_bar(title),
                *children,
                width="100%",
                padding_x=["1rem", "1.5rem", "2rem"],
                padding_bottom="2rem",
                spacing="4",
            ),
            width="100%",
            min_width="0",
            max_width="80rem",
        ),
        spacing="0",
        width="100%",
        align="start",
    )
