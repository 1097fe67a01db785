"""Playground page: chat with one model, the reply streaming in."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.backend_banner import backend_banner
from workshop_app.components.shell import page_shell
from workshop_app.state.playground_state import PlaygroundState


def _bubble(message: rx.Var) -> rx.Component:
    is_user = message["role"] == "user"
    return rx.box(
        rx.text(rx.cond(is_user, "You", "Assistant"), size="1", weight="bold", color=rx.color("gray", 11)),
        rx.cond(
            is_user,
            rx.text(message["content"], white_space="pre-wrap"),
            rx.markdown(message["content"]),
        ),
        rx.cond(message["status"] == "stopped", rx.badge("stopped", color_scheme="amber", variant="soft")),
        rx.cond(message["status"] == "failed", rx.badge("incomplete — the model reported an error", color_scheme="red")),
        class_name=rx.cond(is_user, "message message-user", "message message-assistant"),
        background=rx.cond(is_user, rx.color("accent", 3), rx.color("gray", 3)),
        align_self=rx.cond(is_user, "end", "start"),
        max_width="85%",
        padding="0.75rem 1rem",
        border_radius="var(--radius-4)",
    )


def _conversation() -> rx.Component:
    return rx.cond(
        PlaygroundState.messages.length() > 0,
        rx.vstack(rx.foreach(PlaygroundState.messages, _bubble), width="100%", spacing="3", id="conversation"),
        rx.center(
            rx.vstack(
                rx.icon("message-square", size=32, color=rx.color("gray", 9)),
                rx.text("Pick a model, type a message and press Enter. The reply streams in as the model writes it."),
                align="center",
            ),
            width="100%",
            padding="3rem",
        ),
    )


def _queue_notice() -> rx.Component:
    return rx.cond(
        PlaygroundState.queue_position > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("hourglass")),
            rx.callout.text(
                "Waiting for a turn — position ", rx.text.strong(PlaygroundState.queue_position), ". Stop leaves the queue."
            ),
            color_scheme="amber",
            role="status",
            id="queue-position",
            width="100%",
        ),
    )


def _composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text_area(
                placeholder="Message the model… (Enter sends, Shift+Enter adds a line)",
                value=PlaygroundState.draft,
                on_change=PlaygroundState.set_draft,
                enter_key_submit=True,
                aria_label="Message",
                id="message-input",
                rows="3",
                width="100%",
            ),
            rx.hstack(
                rx.text(PlaygroundState.reply_stats, size="1", color=rx.color("gray", 11), id="reply-stats"),
                rx.spacer(),
                rx.button("Clear", on_click=PlaygroundState.clear, variant="soft", color_scheme="gray", type="button", disabled=PlaygroundState.streaming),
                rx.cond(
                    PlaygroundState.streaming,
                    rx.button(rx.icon("square", size=14), "Stop", on_click=PlaygroundState.stop, color_scheme="red", type="button", id="stop-button"),
                    rx.button(rx.icon("send", size=14), "Send", type="submit", id="send-button"),
                ),
                width="100%",
                align="center",
            ),
            width="100%",
        ),
        on_submit=lambda _form: PlaygroundState.send(),
        width="100%",
    )


def playground_page() -> rx.Component:
    return page_shell(
        "Playground",
        backend_banner(PlaygroundState.unreachable_hosts, PlaygroundState.load_models),
        rx.hstack(
            rx.text("Model", as_="label", html_for="model-select", weight="medium"),
            rx.select(
                PlaygroundState.model_options,
                value=PlaygroundState.model,
                on_change=PlaygroundState.set_model,
                placeholder="No model available",
                id="model-select",
            ),
            align="center",
        ),
        _conversation(),
        _queue_notice(),
        _composer(),
    )
