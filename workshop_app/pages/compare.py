"""Compare page: the same prompt to several models, their replies streaming side by side."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.capability_badges import capability_badges
from workshop_app.components.reply_markdown import reply_markdown, timing_line
from workshop_app.components.reply_mode_parts import (
    image_picker,
    mode_switches,
    schema_editor,
    structured_reply,
    thinking_section,
)
from workshop_app.components.running_elsewhere import running_elsewhere_notice
from workshop_app.components.shell import page_shell
from workshop_app.state.compare_state import CompareState


def _model_option(model: rx.Var) -> rx.Component:
    return rx.box(
        rx.checkbox(
            rx.hstack(rx.text(model["name"]), capability_badges(model["capabilities"].split(", ")), spacing="1"),
            checked=CompareState.chosen.contains(model["name"]),
            on_change=lambda checked: CompareState.toggle_model(model["name"], checked),
        ),
        class_name="compare-model",
    )


def _column(column: rx.Var, index: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(column["model"], weight="bold"),
                rx.spacer(),
                rx.badge(
                    column["status"],
                    variant="soft",
                    color_scheme=rx.match(
                        column["status"], ("done", "green"), ("failed", "red"), ("stopped", "amber"), "gray"
                    ),
                ),
                width="100%",
            ),
            rx.cond(
                column["position"] != "",
                rx.text("Waiting for a turn — position ", column["position"], size="1", color=rx.color("amber", 11)),
            ),
            thinking_section(column, answer="text"),
            rx.cond(column["json"] != "", structured_reply(column), reply_markdown(column["text"])),
            rx.cond(column["error"] != "", rx.text(column["error"], color=rx.color("red", 11), size="2")),
            timing_line(column["timing"]),
            rx.cond(
                column["status"] == "done",
                rx.button(
                    rx.icon("message-square-plus", size=14),
                    "Continue with this answer",
                    on_click=CompareState.continue_with(index),
                    disabled=CompareState.streaming,
                    size="1",
                    variant="soft",
                ),
            ),
            width="100%",
            spacing="2",
        ),
        class_name="compare-column",
        min_width="0",
    )


def compare_page() -> rx.Component:
    return page_shell(
        "Compare models",
        rx.text("Send one prompt to 2–4 models at once and keep the answer you like best as a new chat."),
        running_elsewhere_notice(CompareState, "A comparison of yours is streaming in another tab; it shows there."),
        rx.cond(
            CompareState.models.length() > 0,
            rx.flex(
                rx.foreach(CompareState.models, _model_option),
                wrap="wrap",
                gap="4",
                id="compare-models",
                role="group",
                aria_label="Models to compare",
            ),
            rx.callout(
                "No chat model is available to you right now — check the Models page.", icon="info", width="100%"
            ),
        ),
        rx.text_area(
            value=CompareState.system_prompt,
            on_change=CompareState.set_system_prompt,
            placeholder="System prompt for every model (optional)",
            aria_label="System prompt",
            rows="2",
            width="100%",
        ),
        mode_switches(CompareState),
        schema_editor(CompareState),
        image_picker(CompareState),
        rx.form(
            rx.hstack(
                rx.text_area(
                    value=CompareState.prompt,
                    on_change=CompareState.set_prompt,
                    enter_key_submit=True,
                    placeholder="The prompt every model answers… (Enter runs, Shift+Enter adds a line)",
                    aria_label="Prompt",
                    rows="3",
                    flex="1",
                ),
                rx.cond(
                    CompareState.streaming,
                    rx.button(
                        rx.icon("square", size=14),
                        "Stop",
                        on_click=CompareState.stop,
                        color_scheme="red",
                        type="button",
                        id="compare-stop",
                    ),
                    rx.button(rx.icon("columns-2", size=14), "Compare", type="submit", id="compare-run"),
                ),
                width="100%",
                align="end",
            ),
            on_submit=lambda _form: CompareState.run(),
            width="100%",
        ),
        rx.grid(
            rx.foreach(CompareState.columns, _column),
            columns=rx.breakpoints(initial="1", md=CompareState.column_count.to_string()),
            spacing="3",
            width="100%",
            id="compare-columns",
        ),
    )
