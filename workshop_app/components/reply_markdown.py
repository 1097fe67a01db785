"""A model's reply as Markdown: code blocks highlighted, each with its own copy button."""

from __future__ import annotations

import reflex as rx


def _code_block(code: rx.Var, **props) -> rx.Component:
    return rx.code_block(code, can_copy=True, wrap_long_lines=True, margin_y="0.75em", **props)


def reply_markdown(text: rx.Var) -> rx.Component:
    return rx.markdown(text, component_map={"pre": _code_block})


def timing_line(text: rx.Var, **props) -> rx.Component:
    """Latency, time to first token and speed of one reply, under it."""
    return rx.cond(text != "", rx.text(text, size="1", color=rx.color("gray", 11), class_name="reply-timing", **props))
