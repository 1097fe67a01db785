"""The centred card the ways in (sign in, sign up, join) share: no sidebar, one form."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.shell import PRODUCT_NAME, logo


def entry_card(title: str, intro: str, *children: rx.Component) -> rx.Component:
    return rx.el.main(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.hstack(
                        logo(),
                        rx.text(PRODUCT_NAME, weight="bold"),
                    ),
                    rx.heading(title, size="6", as_="h1"),
                    rx.text(intro, color=rx.color("gray", 11)),
                    *children,
                    spacing="4",
                    width="100%",
                ),
                width="100%",
                max_width="26rem",
                size="3",
            ),
            rx.box(
                rx.color_mode.button(aria_label="Toggle light and dark mode"),
                position="fixed",
                top="1rem",
                right="1rem",
            ),
            min_height="100vh",
            padding="1rem",
        )
    )


def label_for(text: str, control_id: str) -> rx.Component:
    """A real <label for=...>, so clicking it focuses the control and assistive tech names it."""
    return rx.el.label(rx.text(text, size="2", weight="medium"), html_for=control_id)


def field(
    label: str, name: str, *, type_: str = "text", placeholder: str = "", value=None, on_change=None, **props
) -> rx.Component:
    """A labelled input (the label is what screen readers and tests find it by).

    A field bound to the state is disabled until the page is connected: connecting writes the
    state's value into it, over anything typed before (a code typed at once came out doubled)."""
    control = {"value": value, "on_change": on_change, "disabled": ~rx.State.is_hydrated} if on_change else {}
    return rx.vstack(
        label_for(label, name),
        rx.input(id=name, name=name, type=type_, placeholder=placeholder, width="100%", **control, **props),
        spacing="1",
        width="100%",
    )


def form_error(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", id="form-error", width="100%"),
    )


def entry_form(on_submit, error: rx.Var, button: str, button_id: str, *fields: rx.Component) -> rx.Component:
    """Labelled fields, the last refusal, and one submit button (Enter in any field submits).

    The button is disabled until the page is connected: before that the form is plain HTML, and
    Enter would submit it the browser's way, as a GET with the password in the address (seen with
    a page that was slow to start). A disabled default button stops that implicit submission."""
    return rx.form(
        rx.vstack(
            *fields,
            form_error(error),
            rx.button(button, type="submit", width="100%", id=button_id, disabled=~rx.State.is_hydrated),
            spacing="3",
            width="100%",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
    )
