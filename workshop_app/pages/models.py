"""Models page: every model on every Ollama host, with health, memory, metrics, pulls and actions."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.backend_banner import backend_banner
from workshop_app.components.host_panel import host_panel
from workshop_app.components.pull_progress import pull_card
from workshop_app.components.shell import page_shell
from workshop_app.components.table_headers import header_row
from workshop_app.services.models.catalog import CAPABILITIES, SORT_KEYS
from workshop_app.state.models_state import ModelsState

COLUMNS = (
    "Model",
    "Capabilities",
    "Context",
    "Size",
    "Hosts",
    "Usage",
    "Latency (avg / p95)",
    "Speed",
    "Last used",
    "",
)


def model_href(name: rx.Var) -> rx.Var:
    return "/model/" + name


def _placement(placement: rx.Var) -> rx.Component:
    badge = rx.tooltip(
        rx.badge(
            rx.icon(rx.cond(placement.loaded, "cpu", rx.cond(placement.reachable, "hard-drive", "circle-x")), size=12),
            placement.url,
            rx.cond(placement.loaded, " · loaded", ""),
            color_scheme=rx.cond(placement.reachable, rx.cond(placement.loaded, "green", "gray"), "red"),
            variant="soft",
            class_name="placement",
        ),
        content=rx.cond(
            placement.loaded,
            placement.memory,
            rx.cond(placement.reachable, "on disk, not in memory", "host unreachable"),
        ),
    )
    residency = rx.text(placement.memory, size="1", color=rx.color("gray", 11), class_name="residency")
    return rx.vstack(badge, rx.cond(placement.loaded, residency), spacing="0")


def _actions(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.cond(
            row.loaded,
            rx.button(
                "Unload",
                size="1",
                variant="soft",
                on_click=ModelsState.unload_model(row.name),
                class_name="unload-button",
            ),
            rx.button(
                "Load",
                size="1",
                variant="soft",
                on_click=ModelsState.load_model(row.name),
                class_name="load-button",
                disabled=~row.healthy,
            ),
        ),
        rx.icon_button(
            rx.icon("trash-2", size=14),
            size="1",
            variant="ghost",
            color_scheme="red",
            on_click=ModelsState.ask_delete(row.name),
            aria_label="Delete " + row.name,
        ),
        spacing="2",
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.hstack(
                    rx.link(rx.text(row.name, weight="medium"), href=model_href(row.name)),
                    rx.cond(
                        row.healthy,
                        rx.badge("healthy", color_scheme="green", size="1"),
                        rx.badge("host down", color_scheme="red", size="1"),
                    ),
                    align="center",
                ),
                rx.text(
                    row.family + " · " + row.parameter_size + " · " + row.quantization,
                    size="1",
                    color=rx.color("gray", 11),
                ),
                rx.cond(
                    row.built != "",
                    rx.text(row.built, size="1", color=rx.color("violet", 11), class_name="built"),
                ),
                spacing="1",
            )
        ),
        rx.table.cell(
            rx.hstack(rx.foreach(row.capabilities, lambda c: rx.badge(c, variant="outline", size="1")), wrap="wrap")
        ),
        rx.table.cell(row.context),
        rx.table.cell(row.size),
        rx.table.cell(rx.vstack(rx.foreach(row.placements, _placement), spacing="1")),
        rx.table.cell(rx.text(row.usage, size="2")),
        rx.table.cell(row.latency + " / " + row.p95),
        rx.table.cell(row.speed),
        rx.table.cell(rx.text(row.last_used, size="1")),
        rx.table.cell(rx.cond(ModelsState.is_instructor, _actions(row))),
        class_name="model-row",
        data_model=row.name,
    )


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Search name or family",
            value=ModelsState.search,
            on_change=lambda value: ModelsState.set_view("search", value),
            aria_label="Search models",
            width="16rem",
        ),
        rx.select(
            ["all", *CAPABILITIES],
            value=ModelsState.capability,
            on_change=lambda value: ModelsState.set_view("capability", value),
            custom_attrs={"aria-label": "Filter by capability"},  # on the trigger: the button a person reaches
        ),
        rx.select(
            list(SORT_KEYS),
            value=ModelsState.sort,
            on_change=lambda value: ModelsState.set_view("sort", value),
            custom_attrs={"aria-label": "Sort by"},
        ),
        rx.spacer(),
        rx.cond(
            ModelsState.may_build,
            rx.link(rx.button(rx.icon("hammer", size=16), "Build a model", variant="soft"), href="/build-model"),
        ),
        rx.button(rx.icon("refresh-cw", size=16), "Refresh", on_click=ModelsState.refresh, loading=ModelsState.loading),
        width="100%",
        align="center",
        wrap="wrap",
    )


def _pull_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                placeholder="Model to pull, e.g. llama3.2:1b or hf.co/org/repo:Q4_K_M",
                value=ModelsState.pull_name,
                on_change=ModelsState.set_pull_name,
                aria_label="Model to pull",
                id="pull-name",
                width="24rem",
            ),
            rx.button(rx.icon("download", size=16), "Pull", type="submit", id="pull-button"),
            align="center",
        ),
        on_submit=lambda _form: ModelsState.start_pull(),
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete " + ModelsState.delete_target + "?"),
            rx.alert_dialog.description(
                "The model is removed from every Ollama host that has it. Pulling it again downloads it in full."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Keep it", variant="soft", color_scheme="gray", on_click=ModelsState.cancel_delete)
                ),
                rx.alert_dialog.action(
                    rx.button("Delete", color_scheme="red", on_click=ModelsState.confirm_delete, id="confirm-delete")
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
        ),
        open=ModelsState.delete_target != "",
        on_open_change=lambda _open: ModelsState.cancel_delete(),
    )


def _empty() -> rx.Component:
    return rx.callout(
        "No models on the reachable hosts yet. Pull one above (for example llama3.2:1b).",
        icon="info",
        width="100%",
    )


def models_page() -> rx.Component:
    return page_shell(
        "Models",
        backend_banner(ModelsState.unreachable_hosts, ModelsState.refresh, ModelsState.hosts),
        host_panel(ModelsState.machine, ModelsState.hosts),
        rx.cond(ModelsState.is_instructor, _pull_form()),
        rx.foreach(
            ModelsState.pulls,
            lambda pull: pull_card(pull, ModelsState.cancel_pull, ModelsState.dismiss_pull, ModelsState.is_instructor),
        ),
        _toolbar(),
        rx.cond(
            ModelsState.rows.length() > 0,
            rx.box(
                rx.table.root(
                    header_row(*COLUMNS),
                    rx.table.body(rx.foreach(ModelsState.rows, _row)),
                    width="100%",
                    variant="surface",
                    size="1",
                ),
                width="100%",
                overflow_x="auto",
            ),
            rx.cond(ModelsState.loaded_once & (ModelsState.unreachable_hosts.length() == 0), _empty()),
        ),
        _delete_dialog(),
    )
