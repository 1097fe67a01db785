"""The reply modes of the Playground and Compare: Thinking, structured output with its schema editor, images;
the picker's items. A page state passed in mixes in ReplyModes and says whether its model(s) `can_think`/`can_see`."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workshop_app.components.capability_badges import capability_badges
from workshop_app.components.code_blocks import code_block
from workshop_app.components.entry_card import label_for
from workshop_app.state.playground_state import PlaygroundState
from workshop_app.state.reply_modes_state import IMAGE_TYPES, IMAGE_UPLOAD_ID, SchemaMode


def model_item(row: rx.Var) -> rx.Component:
    """A model in the picker: its name and what it can do (the name alone names the option for a screen reader)."""
    return rx.select.item(
        rx.hstack(
            rx.text(row["name"]),
            rx.hstack(capability_badges(row["capabilities"].split(", ")), spacing="1", aria_hidden="true"),
            spacing="2",
            align="center",
        ),
        value=row["name"],
    )


def mode_switches(state: Any) -> rx.Component:
    """Thinking (only for a model that can) and Structured output, beside the model picker."""
    return rx.hstack(
        rx.cond(state.can_think, _switch("Thinking", "think-switch", state.think, state.set_think)),
        structured_switch(state),
        spacing="4",
        align="center",
        wrap="wrap",
    )


def structured_switch(state: type[SchemaMode]) -> rx.Component:
    return _switch("Structured output", "structured-switch", state.structured, state.set_structured)


def _switch(label: str, id_: str, checked: rx.Var, on_change) -> rx.Component:
    return rx.el.label(
        rx.switch(checked=checked, on_change=on_change, id=id_, size="1"),
        rx.text.span(label, size="2"),
        display="flex",
        align_items="center",
        gap="0.4rem",
        cursor="pointer",
    )


def schema_editor(state: type[SchemaMode]) -> rx.Component:
    """The JSON schema replies must fit; checked when the editor is left and again when sent."""
    return rx.cond(
        state.structured,
        rx.vstack(
            rx.hstack(
                label_for("JSON schema the reply must fit", "schema-editor"),
                rx.spacer(),
                rx.button(
                    rx.icon("file-json", size=14),
                    "Insert example",
                    on_click=state.insert_example_schema,
                    size="1",
                    variant="soft",
                    type="button",
                    id="insert-example-schema",
                ),
                width="100%",
                align="center",
            ),
            rx.text_area(
                value=state.schema_text,
                on_change=state.set_schema_text,
                on_blur=state.check_schema,
                id="schema-editor",
                rows="7",
                width="100%",
                font_family="var(--code-font-family)",
                placeholder='{"type": "object", "properties": {...}, "required": [...]}',
            ),
            width="100%",
            spacing="1",
        ),
    )


def image_picker(state: Any) -> rx.Component:
    """For a vision model: a button and drop zone for images; and the thumbnails waiting to be sent.

    The thumbnails stay in sight after a switch to a model without vision, whose refusal then names the model.
    """
    return rx.hstack(
        rx.cond(
            state.can_see,
            rx.upload(
                rx.button(rx.icon("image-plus", size=14), "Add image", variant="soft", type="button", size="2"),
                rx.text("or drop images here", size="1", color=rx.color("gray", 11)),
                id=IMAGE_UPLOAD_ID,
                accept=IMAGE_TYPES,
                multiple=True,
                on_drop=state.attach_images(rx.upload_files(upload_id=IMAGE_UPLOAD_ID)),
                display="flex",
                align_items="center",
                gap="0.5rem",
                border=f"1px dashed {rx.color('gray', 7)}",
                border_radius="var(--radius-3)",
                padding="0.35rem 0.6rem",
                class_name="image-drop",
            ),
        ),
        rx.foreach(state.attachments, lambda url, index: _attachment(state, url, index)),
        align="center",
        wrap="wrap",
        spacing="2",
    )


def _attachment(state: Any, url: rx.Var, index: rx.Var) -> rx.Component:
    return rx.box(
        _thumbnail(url, "Image to send"),
        rx.icon_button(
            rx.icon("x", size=12),
            on_click=state.remove_attachment(index),
            aria_label="Remove image",
            size="1",
            variant="solid",
            color_scheme="gray",
            radius="full",
            type="button",
            position="absolute",
            top="-0.4rem",
            right="-0.4rem",
        ),
        position="relative",
        class_name="attachment",
    )


def _thumbnail(url: rx.Var, alt: str) -> rx.Component:
    return rx.image(
        src=url,
        alt=alt,
        height="4rem",
        max_width="6rem",
        object_fit="cover",
        border_radius="var(--radius-2)",
        border=f"1px solid {rx.color('gray', 6)}",
    )


def message_images(message_id: rx.Var) -> rx.Component:
    """The images a person sent with a message."""
    return rx.cond(
        PlaygroundState.images.contains(message_id),
        rx.hstack(
            rx.foreach(PlaygroundState.images[message_id], lambda url: _thumbnail(url, "Image sent")),
            wrap="wrap",
            spacing="2",
            class_name="message-images",
        ),
    )


def thinking_section(message: rx.Var, answer: str = "content") -> rx.Component:
    """A thinking model's reasoning, above its answer (under the key `answer`), folded away: "Thinking…" while
    it thinks."""
    streaming = message["status"] == "streaming"
    label = rx.cond(streaming, rx.cond(message[answer] == "", "Thinking…", "Thought"), message["thought_for"])
    return rx.cond(
        message["thinking"] != "",
        rx.el.details(
            rx.el.summary(rx.text.span(label, size="1", weight="medium"), cursor="pointer", color=rx.color("gray", 11)),
            rx.text(
                message["thinking"],
                size="2",
                white_space="pre-wrap",
                color=rx.color("gray", 11),
                padding_left="0.75rem",
                border_left=f"2px solid {rx.color('gray', 6)}",
                margin_top="0.25rem",
            ),
            class_name="reply-thinking",
            margin_bottom="0.5rem",
        ),
    )


def structured_reply(message: rx.Var) -> rx.Component:
    """A structured reply as indented JSON, and whether it fits the schema it was asked to fit."""
    matches = message["verdict"] == "matches the schema"
    return rx.vstack(
        code_block(message["json"], language="json", can_copy=True, width="100%"),
        rx.badge(
            rx.cond(matches, rx.icon("circle-check", size=12), rx.icon("circle-x", size=12)),
            message["verdict"],
            color_scheme=rx.cond(matches, "grass", "red"),
            variant="soft",
            white_space="normal",
            class_name="schema-verdict",
        ),
        width="100%",
        spacing="1",
    )
