"""Copy a value to the clipboard, with a confirmation people can see."""

from __future__ import annotations

import reflex as rx


def copy_button(value: rx.Var, label: str = "Copy", **props) -> rx.Component:
    return rx.button(
        rx.icon("copy", size=14),
        label,
        on_click=[rx.set_clipboard(value), rx.toast.success("Copied to the clipboard.", duration=2000)],
        variant="soft",
        type="button",
        **props,
    )
