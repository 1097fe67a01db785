"""A model's reply as Markdown: code blocks highlighted, each with its own copy button.

Model output is untrusted: raw HTML in it is shown as text, not rendered, and a Markdown
image becomes its description and address as plain text. So a reply never makes the
browser fetch anything (privacy, and an offline room), whatever the model writes.
"""

from __future__ import annotations

import reflex as rx

from workshop_app.components.code_blocks import code_block


def _code_block(code: rx.Var, **props) -> rx.Component:
    return code_block(code, can_copy=True, margin_y="0.75em", **props)


def _image_as_text(*_children, **_props) -> rx.Component:
    """`![alt](url)` as "[image: alt] url" in plain text (`props` is the image's attributes in the map's function)."""
    description = rx.Var("(props.alt || 'no description')").to(str)
    address = rx.Var("(props.src || '')").to(str)
    return rx.text.span("[image: ", description, "] ", address, class_name="blocked-image", color=rx.color("gray", 11))


def reply_markdown(text: rx.Var) -> rx.Component:
    return rx.markdown(text, component_map={"pre": _code_block, "img": _image_as_text}, use_raw=False)


def timing_line(text: rx.Var, **props) -> rx.Component:
    """Latency, time to first token and speed of one reply, under it."""
    return rx.cond(text != "", rx.text(text, size="1", color=rx.color("gray", 11), class_name="reply-timing", **props))
