"""Tool playground page: pick a tool-capable model and tools, ask, and watch each tool call as it runs."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.entry_card import label_for
from workshop_app.components.running_elsewhere import running_elsewhere_notice
from workshop_app.components.shell import page_shell
from workshop_app.components.tool_parts import PLAYGROUND_ROUTE, TOOLS_ROUTE, tool_choice, tools_switch, trace_step
from workshop_app.state.tool_playground_state import ToolPlaygroundState as State


def _tool_choice(tool: rx.Var) -> rx.Component:
    return tool_choice(
        tool, State.chosen.contains(tool.id), lambda checked: State.toggle_tool(tool.id, checked), "tool-choice"
    )


def _setup() -> rx.Component:
    return rx.vstack(
        label_for("Model", "tool-model"),
        rx.cond(
            State.models.length() > 0,
            rx.select.root(
                rx.select.trigger(id="tool-model", width="100%"),
                rx.select.content(rx.foreach(State.models, lambda name: rx.select.item(name, value=name))),
                value=State.model,
                on_change=State.set_model,
            ),
            rx.vstack(
                rx.text(State.models_notice, size="2", color=rx.color("orange", 11), id="tool-models-notice"),
                rx.cond(
                    State.reconnecting,
                    rx.button(
                        rx.icon("refresh-cw", size=14), "Check again", size="1", variant="soft", on_click=State.load
                    ),
                ),
                spacing="2",
            ),
        ),
        rx.text("Tools the model may call", size="2", weight="medium"),
        rx.cond(
            State.tools.length() > 0,
            rx.vstack(rx.foreach(State.tools, _tool_choice), spacing="2", width="100%", id="tool-choices"),
            rx.text("No tools yet. ", rx.link("Define one", href=TOOLS_ROUTE), " first.", size="2"),
        ),
        width="18rem",
        min_width="16rem",
        spacing="2",
    )


def _entry(entry: rx.Var, index: rx.Var) -> rx.Component:
    bubble = {
        "padding": "0.6rem 0.8rem",
        "border_radius": "var(--radius-3)",
        "white_space": "pre-wrap",
        "max_width": "85%",
    }
    streaming = (index == State.entries.length() - 1) & (State.reply_text != "")  # the model writing it now
    return rx.match(
        entry.kind,
        (
            "user",
            rx.box(
                rx.text(entry.text, size="2"),
                background=rx.color("accent", 3),
                align_self="end",
                class_name="user-message",
                **bubble,
            ),
        ),
        ("step", trace_step(entry)),
        (
            "note",
            rx.callout(
                entry.text, icon="octagon-alert", color_scheme="orange", size="1", width="100%", class_name="loop-note"
            ),
        ),
        rx.box(
            rx.text(rx.cond(streaming, State.reply_text, entry.text), size="2"),
            background=rx.color("gray", 3),
            align_self="start",
            class_name="assistant-message",
            **bubble,
        ),
    )


def _conversation() -> rx.Component:
    return rx.vstack(
        rx.cond(
            State.entries.length() > 0,
            rx.vstack(rx.foreach(State.entries, _entry), spacing="2", width="100%", id="tool-transcript"),
            rx.callout(
                'Ask something a tool can answer, e.g. "What is 17 × 23?" with a calculator tool. '
                "Each call the model makes shows up here with its arguments, result and duration.",
                icon="flask-conical",
                width="100%",
            ),
        ),
        rx.cond(
            State.queue_position > 0,
            rx.text("Waiting for a turn: position ", State.queue_position, size="2", id="queue-position"),
        ),
        rx.cond(
            State.streaming & (State.queue_position == 0),
            rx.hstack(rx.spinner(size="1"), rx.text("Working…", size="2"), align="center"),
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    value=State.draft,
                    on_change=State.set_draft,
                    placeholder="Ask the model…",
                    aria_label="Message",
                    width="100%",
                    id="tool-message",
                ),
                rx.cond(
                    State.streaming,
                    rx.button(
                        rx.icon("square", size=14),
                        "Stop",
                        type="button",
                        color_scheme="red",
                        on_click=State.stop,
                        id="stop-tools",
                    ),
                    rx.button(rx.icon("send", size=14), "Send", type="submit", id="send-tools"),
                ),
                rx.button(
                    "Clear",
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=State.clear,
                    disabled=State.streaming,
                ),
                width="100%",
            ),
            on_submit=lambda _form: State.send(),
            reset_on_submit=False,
            width="100%",
        ),
        flex="1",
        min_width="0",
        spacing="3",
    )


def tool_playground_page() -> rx.Component:
    return page_shell(
        "Tools",
        tools_switch(PLAYGROUND_ROUTE),
        running_elsewhere_notice(State, "A question of yours runs through the tools in another tab."),
        rx.flex(
            _setup(), _conversation(), gap="1.5rem", width="100%", direction=rx.breakpoints(initial="column", md="row")
        ),
    )
