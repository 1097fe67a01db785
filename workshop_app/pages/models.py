"""Models page: every model on every configured Ollama host."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.backend_banner import backend_banner
from workshop_app.components.shell import page_shell
from workshop_app.state.models_state import ModelsState

COLUMNS = ("Name", "Parameters", "Quantization", "Family", "Size", "Host")


def _row(model: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(model["name"], weight="medium")),
        rx.table.cell(model["parameter_size"]),
        rx.table.cell(rx.badge(model["quantization"], variant="soft")),
        rx.table.cell(model["family"]),
        rx.table.cell(model["size"]),
        rx.table.cell(rx.code(model["backend"])),
        class_name="model-row",
    )


def _host_badges() -> rx.Component:
    return rx.hstack(
        rx.foreach(
            ModelsState.hosts,
            lambda host: rx.badge(
                rx.icon(rx.cond(host["reachable"], "circle-check", "circle-x"), size=14),
                host["url"],
                color_scheme=rx.cond(host["reachable"], "green", "red"),
                variant="soft",
                size="2",
            ),
        ),
        wrap="wrap",
    )


def _empty() -> rx.Component:
    return rx.callout(
        "No models on the reachable hosts yet. Pull one with `ollama pull llama3.2:1b`, then refresh.",
        icon="info",
        width="100%",
    )


def models_page() -> rx.Component:
    return page_shell(
        "Models",
        backend_banner(ModelsState.unreachable_hosts, ModelsState.refresh),
        rx.hstack(
            _host_badges(),
            rx.spacer(),
            rx.button(rx.icon("refresh-cw", size=16), "Refresh", on_click=ModelsState.refresh, loading=ModelsState.loading),
            width="100%",
            align="center",
        ),
        rx.cond(
            ModelsState.models.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(*(rx.table.column_header_cell(c) for c in COLUMNS))),
                rx.table.body(rx.foreach(ModelsState.models, _row)),
                width="100%",
                variant="surface",
            ),
            rx.cond(ModelsState.loaded_once & (ModelsState.unreachable_hosts.length() == 0), _empty()),
        ),
    )
