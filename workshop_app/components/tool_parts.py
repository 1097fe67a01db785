"""Pieces of the Tools pages: the switch between defining and trying tools, badges, a traced call."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.code_blocks import code_block

TOOLS_ROUTE = "/tools"
PLAYGROUND_ROUTE = "/tools/playground"


def tools_switch(current: str) -> rx.Component:
    """Two views of one section: define tools, then try them with a model."""

    def link(label: str, icon: str, route: str) -> rx.Component:
        active = route == current
        return rx.link(
            rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2", weight="medium"), spacing="2", align="center"),
            href=route,
            underline="none",
            color=rx.color("accent", 11) if active else rx.color("gray", 11),
            background=rx.color("accent", 3) if active else "transparent",
            border_radius="var(--radius-3)",
            padding="0.4rem 0.8rem",
            aria_current="page" if active else None,
        )

    return rx.hstack(
        link("Definitions", "wrench", TOOLS_ROUTE),
        link("Tool playground", "flask-conical", PLAYGROUND_ROUTE),
        as_="nav",
        aria_label="Tools views",
        spacing="2",
        width="100%",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        padding_bottom="0.5rem",
    )


def kind_badge(kind: rx.Var) -> rx.Component:
    return rx.badge(kind, variant="soft", color_scheme="iris")


def tool_choice(tool: rx.Var, chosen: rx.Var, on_change, class_name: str) -> rx.Component:
    """A tool to tick for a model: its name, kind and description."""
    return rx.el.label(
        rx.hstack(
            rx.checkbox(checked=chosen, on_change=on_change),
            rx.vstack(
                rx.hstack(rx.code(tool.name, size="2"), kind_badge(tool.kind), spacing="2", align="center"),
                rx.text(tool.description, size="1", color=rx.color("gray", 11)),
                spacing="1",
            ),
            align="start",
            spacing="2",
        ),
        class_name=class_name,
        cursor="pointer",
    )


def visibility_badge(visibility: rx.Var) -> rx.Component:
    return rx.badge(
        rx.cond(visibility == "workshop", "shared with workshop", "private"), variant="outline", color_scheme="gray"
    )


def json_block(text: rx.Var | str, **props) -> rx.Component:
    return code_block(text, language="json", width="100%", font_size="0.8rem", **props)


def trace_step(entry: rx.Var) -> rx.Component:
    """One tool call as it ran: round, tool, arguments, result or error, how long it took."""
    failed = entry.error != ""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon(
                    rx.cond(failed, "circle-x", "circle-check"),
                    size=16,
                    color=rx.cond(failed, rx.color("red", 10), rx.color("grass", 10)),
                ),
                rx.text("Round ", entry.round, size="1", color=rx.color("gray", 11)),
                rx.code(entry.tool, weight="bold", class_name="trace-tool"),
                rx.spacer(),
                rx.badge(entry.duration, variant="soft", color_scheme="gray", class_name="trace-duration"),
                width="100%",
                align="center",
            ),
            rx.text("Arguments", size="1", weight="medium", color=rx.color("gray", 11)),
            rx.code(entry.arguments, class_name="trace-arguments", white_space="pre-wrap", word_break="break-word"),
            rx.text(
                rx.cond(failed, "Error (sent back to the model)", "Result"),
                size="1",
                weight="medium",
                color=rx.color("gray", 11),
            ),
            rx.text(
                rx.cond(failed, entry.error, entry.result),
                size="2",
                white_space="pre-wrap",
                color=rx.cond(failed, rx.color("red", 11), rx.color("gray", 12)),
                class_name=rx.cond(failed, "trace-error", "trace-result"),
            ),
            spacing="1",
            width="100%",
        ),
        width="100%",
        variant="surface",
        class_name="trace-step",
        data_ok=rx.cond(failed, "false", "true"),
    )
