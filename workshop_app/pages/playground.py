"""Playground page: kept chats on the left, the conversation with its settings on the right."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.backend_banner import backend_banner
from workshop_app.components.by_width import by_width
from workshop_app.components.entry_card import label_for
from workshop_app.components.exercise_results import submit_to_exercise
from workshop_app.components.help_parts import ask_for_help_button
from workshop_app.components.reply_markdown import reply_markdown, timing_line
from workshop_app.components.reply_mode_parts import (
    image_picker,
    message_images,
    mode_switches,
    model_item,
    schema_editor,
    structured_reply,
    thinking_section,
)
from workshop_app.components.running_elsewhere import running_elsewhere_notice
from workshop_app.components.shell import page_shell
from workshop_app.components.tool_parts import TOOLS_ROUTE, tool_choice, trace_step
from workshop_app.services.chat.history import MAX_MESSAGE_CHARS
from workshop_app.state.exercises_state import ExercisesState
from workshop_app.state.help_state import HelpState
from workshop_app.state.playground_state import PARAMETER_FIELDS, PlaygroundState


def _icon_button(icon: str, label: str, on_click, **props) -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.icon(icon, size=14),
            on_click=on_click,
            aria_label=label,
            size="1",
            variant="ghost",
            type="button",
            **props,
        ),
        content=label,
    )


def _history_item(chat: rx.Var) -> rx.Component:
    current = chat["id"] == PlaygroundState.chat_id.to_string()
    return rx.hstack(
        rx.box(
            rx.text(
                chat["title"],
                size="2",
                weight=rx.cond(current, "bold", "regular"),
                trim="both",
                class_name="chat-title",
            ),
            rx.text(chat["model"], " · ", chat["when"], size="1", color=rx.color("gray", 11)),
            on_click=PlaygroundState.open_chat(chat["id"]),
            cursor="pointer",
            flex="1",
            min_width="0",
        ),
        _icon_button("trash-2", "Delete chat", PlaygroundState.delete_chat(chat["id"]), color_scheme="red"),
        class_name="chat-item",
        width="100%",
        padding="0.4rem 0.5rem",
        border_radius="var(--radius-3)",
        background=rx.cond(current, rx.color("accent", 3), "transparent"),
        _hover={"background": rx.color("gray", 3)},
    )


def _history() -> rx.Component:
    """The chat list beside the conversation from a laptop's width; a phone has the room for the conversation only."""
    return by_width(["none", "none", "block"], _chat_list())


def _chat_list() -> rx.Component:
    return rx.vstack(
        rx.button(
            rx.icon("plus", size=14),
            "New chat",
            on_click=PlaygroundState.new_chat,
            width="100%",
            variant="soft",
            id="new-chat",
        ),
        rx.input(
            placeholder="Search chats…",
            value=PlaygroundState.search,
            on_change=PlaygroundState.set_search.debounce(300),
            aria_label="Search chats",
            width="100%",
        ),
        rx.cond(
            PlaygroundState.chats.length() > 0,
            rx.vstack(rx.foreach(PlaygroundState.chats, _history_item), spacing="1", width="100%", id="chat-list"),
            rx.text("No chats yet — your conversations are kept here.", size="1", color=rx.color("gray", 11)),
        ),
        width="15rem",
        min_width="15rem",
        spacing="3",
    )


def _model_picker() -> rx.Component:
    return rx.hstack(
        label_for("Model", "model-select"),
        rx.select.root(
            rx.select.trigger(placeholder="No model available", id="model-select"),
            rx.select.content(rx.foreach(PlaygroundState.models, model_item)),
            value=PlaygroundState.model,
            on_change=PlaygroundState.set_model,
        ),
        align="center",
        wrap="wrap",
    )


def _tool_choice(tool: rx.Var) -> rx.Component:
    chosen = PlaygroundState.tool_ids.contains(tool.id)
    return tool_choice(tool, chosen, lambda checked: PlaygroundState.toggle_tool(tool.id, checked), "chat-tool-choice")


def _tool_picker() -> rx.Component:
    """The person's tools the model may call in this chat; with none ticked, replies are plain."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("wrench", size=14),
                rx.cond(PlaygroundState.tool_ids.length() > 0, f"Tools ({PlaygroundState.tool_ids.length()})", "Tools"),
                variant=rx.cond(PlaygroundState.tool_ids.length() > 0, "solid", "soft"),
                color_scheme="iris",
                id="chat-tools",
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.text("Tools the model may call", size="2", weight="medium"),
                rx.cond(
                    PlaygroundState.tools.length() > 0,
                    rx.vstack(rx.foreach(PlaygroundState.tools, _tool_choice), spacing="2", max_width="22rem"),
                    rx.text("No tools yet. ", rx.link("Define one", href=TOOLS_ROUTE), " first.", size="2"),
                ),
                rx.text(
                    "Used from your next message on; each call shows under the reply.",
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="2",
            ),
            id="chat-tools-panel",
        ),
    )


def _tools_notice() -> rx.Component:
    return rx.cond(
        PlaygroundState.tools_refused,
        rx.callout(
            "This model cannot call tools. Pick a model marked “tools”, or untick the tools.",
            icon="triangle-alert",
            color_scheme="orange",
            size="1",
            width="100%",
            id="tools-refused",
        ),
    )


def _toolbar() -> rx.Component:
    return rx.hstack(
        _model_picker(),
        _tool_picker(),
        mode_switches(PlaygroundState),
        rx.spacer(),
        rx.link(
            rx.button(rx.icon("columns-2", size=14), "Compare models", variant="soft", color_scheme="gray"),
            href="/compare",
        ),
        rx.cond(
            PlaygroundState.chat_id > 0,
            rx.menu.root(
                rx.menu.trigger(rx.button(rx.icon("download", size=14), "Export", variant="soft", color_scheme="gray")),
                rx.menu.content(
                    rx.menu.item("Markdown", on_click=PlaygroundState.export("md")),
                    rx.menu.item("JSON", on_click=PlaygroundState.export("json")),
                ),
            ),
        ),
        width="100%",
        align="center",
        wrap="wrap",
    )


def _title() -> rx.Component:
    return rx.cond(
        PlaygroundState.chat_id > 0,
        rx.input(
            value=PlaygroundState.title,
            on_change=PlaygroundState.set_title,
            on_blur=PlaygroundState.rename,
            aria_label="Chat title",
            id="chat-title",
            variant="soft",
            size="3",
            width="100%",
        ),
    )


def _parameter(field: tuple[str, str, str]) -> rx.Component:
    name, label, help_text = field
    return rx.vstack(
        label_for(label, f"param-{name}"),
        rx.input(
            value=PlaygroundState.params[name],
            on_change=lambda value: PlaygroundState.set_param(name, value),
            placeholder="default",
            id=f"param-{name}",
            type="number",
            step="any",
            width="100%",
        ),
        rx.text(help_text, size="1", color=rx.color("gray", 11)),
        spacing="1",
    )


def _settings() -> rx.Component:
    return rx.accordion.root(
        rx.accordion.item(
            # The header is the page's second level: Radix would make it an h3 right under the page's h1.
            rx.accordion.header(
                rx.el.h2(rx.accordion.trigger("System prompt and parameters", rx.accordion.icon()), margin="0"),
                as_child=True,
            ),
            rx.accordion.content(
                rx.vstack(
                    label_for("System prompt", "system-prompt"),
                    rx.text_area(
                        value=PlaygroundState.system_prompt,
                        on_change=PlaygroundState.set_system_prompt,
                        placeholder=(
                            "Instructions the model follows for the whole chat, e.g. “Answer in one paragraph.”"
                        ),
                        id="system-prompt",
                        rows="3",
                        width="100%",
                    ),
                    rx.grid(
                        *(_parameter(field) for field in PARAMETER_FIELDS),
                        columns=rx.breakpoints(initial="2", md="3"),
                        spacing="3",
                        width="100%",
                    ),
                    width="100%",
                ),
            ),
            value="settings",
        ),
        type="single",
        collapsible=True,
        variant="soft",
        width="100%",
    )


def _user_actions(message: rx.Var) -> rx.Component:
    return rx.hstack(
        _icon_button("pencil", "Edit and resend", PlaygroundState.start_edit(message["id"], message["content"])),
        _icon_button("trash-2", "Delete message", PlaygroundState.delete_message(message["id"])),
        justify="end",
    )


def _reply_actions(message: rx.Var, is_last: rx.Var) -> rx.Component:
    return rx.hstack(
        timing_line(message["stats"]),
        rx.spacer(),
        rx.cond(
            is_last & (message["status"] == "incomplete"),
            rx.button(
                rx.icon("rotate-ccw", size=14),
                "Retry",
                on_click=PlaygroundState.regenerate,
                size="1",
                color_scheme="red",
                id="retry-button",
            ),
            rx.cond(
                is_last, _icon_button("refresh-cw", "Regenerate", PlaygroundState.regenerate, id="regenerate-button")
            ),
        ),
        _icon_button("trash-2", "Delete message", PlaygroundState.delete_message(message["id"])),
        width="100%",
        align="center",
    )


def _edit_box() -> rx.Component:
    return rx.vstack(
        rx.text_area(
            value=PlaygroundState.edit_text,
            on_change=PlaygroundState.set_edit_text,
            aria_label="Edit message",
            rows="3",
            width="100%",
        ),
        rx.hstack(
            rx.button("Cancel", on_click=PlaygroundState.cancel_edit, variant="soft", color_scheme="gray", size="1"),
            rx.button("Save and resend", on_click=PlaygroundState.resend_edit, size="1"),
            justify="end",
            width="100%",
        ),
        width="100%",
    )


def _trace(message_id: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text("Tool calls", size="1", weight="medium", color=rx.color("gray", 11)),
        rx.foreach(PlaygroundState.traces[message_id], trace_step),
        spacing="2",
        width="100%",
        class_name="reply-trace",
        margin_top="0.5rem",
    )


def _reply_pending() -> rx.Component:
    """Instead of an empty bubble: the place in the queue, or that the model is writing."""
    return rx.hstack(
        rx.spinner(size="1"),
        rx.cond(
            PlaygroundState.queue_position > 0,
            rx.text("Waiting for a turn…", size="2"),  # the notice under the chat gives the position
            rx.text("The model is writing…", size="2"),
        ),
        align="center",
        color=rx.color("gray", 11),
        class_name="reply-pending",
    )


def _bubble(message: rx.Var, index: rx.Var) -> rx.Component:
    is_user = message["role"] == "user"
    is_last = index == PlaygroundState.messages.length() - 1
    settled = ~PlaygroundState.streaming & (message["id"] != "")
    return rx.box(
        rx.text(rx.cond(is_user, "You", message["model"]), size="1", weight="bold", color=rx.color("gray", 11)),
        rx.cond(
            is_user,
            rx.cond(
                PlaygroundState.editing_id == message["id"],
                _edit_box(),
                rx.vstack(message_images(message["id"]), rx.text(message["content"], white_space="pre-wrap")),
            ),
            _reply_body(message),
        ),
        rx.cond(PlaygroundState.traces.contains(message["id"]), _trace(message["id"])),
        rx.cond(message["status"] == "stopped", rx.badge("stopped", color_scheme="amber", variant="soft")),
        rx.cond(
            message["status"] == "incomplete",
            rx.badge("incomplete — ", message["error"], color_scheme="red", variant="soft", white_space="normal"),
        ),
        rx.cond(settled, rx.cond(is_user, _user_actions(message), _reply_actions(message, is_last))),
        class_name=rx.cond(is_user, "message message-user", "message message-assistant"),
        background=rx.cond(is_user, rx.color("accent", 3), rx.color("gray", 3)),
        align_self=rx.cond(is_user, "end", "start"),
        max_width="85%",
        min_width=rx.cond(is_user, "auto", "50%"),
        padding="0.75rem 1rem",
        border_radius="var(--radius-4)",
    )


def _reply_body(message: rx.Var) -> rx.Component:
    """Reasoning folded above the answer; the answer as Markdown, or as JSON checked against its schema."""
    return rx.fragment(
        thinking_section(message),
        rx.cond(
            (message["status"] == "streaming") & (message["content"] == ""),
            _reply_pending(),
            rx.cond(message["json"] != "", structured_reply(message), reply_markdown(message["content"])),
        ),
    )


def _conversation() -> rx.Component:
    # column-reverse keeps the view pinned to the newest text while a reply streams in.
    return rx.cond(
        PlaygroundState.messages.length() > 0,
        rx.box(
            rx.vstack(
                rx.foreach(PlaygroundState.messages, _bubble),
                rx.cond(PlaygroundState.reply.contains("role"), _bubble(PlaygroundState.reply, -1)),
                width="100%",
                spacing="3",
                id="conversation",
            ),
            display="flex",
            flex_direction="column-reverse",
            max_height="60vh",
            overflow_y="auto",
            width="100%",
            padding_right="0.5rem",
        ),
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
                "Waiting for a turn — position ",
                rx.text.strong(PlaygroundState.queue_position),
                ". Stop leaves the queue.",
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
                max_length=MAX_MESSAGE_CHARS,  # a longer paste is cut here, and the note below says so
            ),
            rx.cond(
                PlaygroundState.draft.length() >= MAX_MESSAGE_CHARS,
                rx.callout(
                    f"Messages are limited to {MAX_MESSAGE_CHARS:,} characters; the rest of the text was not pasted. "
                    "For a long text, upload it as a document and ask about it on the RAG page.",
                    icon="triangle-alert",
                    color_scheme="orange",
                    size="1",
                    id="message-limit",
                    width="100%",
                ),
            ),
            rx.hstack(
                image_picker(PlaygroundState),
                rx.spacer(),
                ask_for_help_button(HelpState.ask_about_chat, "ask-for-help"),
                rx.cond(
                    PlaygroundState.streaming,
                    rx.button(
                        rx.icon("square", size=14),
                        "Stop",
                        on_click=PlaygroundState.stop,
                        color_scheme="red",
                        type="button",
                        id="stop-button",
                    ),
                    rx.button(rx.icon("send", size=14), "Send", type="submit", id="send-button"),
                ),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            width="100%",
        ),
        on_submit=lambda _form: PlaygroundState.send(),
        width="100%",
    )


def playground_page() -> rx.Component:
    return page_shell(
        "Playground",
        backend_banner(PlaygroundState.unreachable_hosts, PlaygroundState.load_models, PlaygroundState.hosts),
        rx.hstack(
            _history(),
            rx.vstack(
                _toolbar(),
                submit_to_exercise(PlaygroundState.chat_id > 0, ExercisesState.submit_chat(PlaygroundState.chat_id)),
                _tools_notice(),
                _title(),
                _settings(),
                schema_editor(PlaygroundState),
                _conversation(),
                _queue_notice(),
                running_elsewhere_notice(
                    PlaygroundState,
                    "A reply is being written into this chat in another tab; it shows here once saved.",
                ),
                _composer(),
                flex="1",
                min_width="0",
                spacing="3",
            ),
            width="100%",
            align="start",
            spacing="5",
        ),
    )
