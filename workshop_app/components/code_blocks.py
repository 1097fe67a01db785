"""Highlighted code in colours that stay readable in both colour modes.

Reflex's default themes (one-light, one-dark) give some tokens, comments among them, about
3:1 against their background, below the 4.5:1 that small text needs. react-syntax-highlighter's
a11y themes keep every token at 4.5:1 or more.
"""

from __future__ import annotations

import reflex as rx
from reflex.components.datadisplay.code import Theme, construct_theme_var

READABLE_THEME = rx.color_mode_cond(light=construct_theme_var("a11yOneLight"), dark=Theme.a11y_dark)


def code_block(code: rx.Var | str, **props) -> rx.Component:
    """A highlighted block whose long lines wrap, so a phone never scrolls the page sideways."""
    return rx.code_block(code, theme=READABLE_THEME, wrap_long_lines=True, **props)
