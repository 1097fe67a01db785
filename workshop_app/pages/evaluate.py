"""Evaluate page: question sets about a collection, recall@k and MRR, and other settings side by side."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.evaluation_parts import figure, outcomes_table, settings_chart
from workshop_app.components.retrieval_parts import empty_state, field, list_and_detail, visibility_field
from workshop_app.components.shell import page_shell
from workshop_app.state.evaluation_state import EvaluationState

LINES_EXAMPLE = "How do I cook spaghetti? | pasta.txt\nWhat do bees make? | bees.txt | turn it into honey"


def _collection_picker() -> rx.Component:
    return field(
        "Collection",
        rx.select.root(
            rx.select.trigger(placeholder="Choose a collection", id="evaluate-collection"),
            rx.select.content(
                rx.foreach(EvaluationState.collections, lambda c: rx.select.item(c.label, value=c.id)),
            ),
            value=EvaluationState.collection_id,
            on_change=EvaluationState.choose_collection,
        ),
    )


def _new_set_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus", size=16), "New question set", id="new-question-set")),
        rx.dialog.content(
            rx.dialog.title("New question set"),
            rx.form(
                rx.vstack(
                    field("Name", rx.input(name="name", placeholder="Week 1 quiz", required=True)),
                    field(
                        "Questions",
                        rx.text_area(name="lines", placeholder=LINES_EXAMPLE, rows="6", id="question-lines"),
                        "One per line: question | document title, optionally | a passage it must find.",
                    ),
                    rx.text(EvaluationState.documents_hint, size="1", color=rx.color("gray", 11)),
                    field("k (results that count)", rx.input(name="top_k", default_value="3", id="question-k")),
                    visibility_field(),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Save", type="submit", id="save-question-set"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=EvaluationState.create_set,
            ),
        ),
        open=EvaluationState.form_open,
        on_open_change=EvaluationState.set_form_open,
    )


def _set_item(row: rx.Var) -> rx.Component:
    selected = EvaluationState.selected_set == row.id
    return rx.card(
        rx.vstack(
            rx.text(row.name, weight="medium"),
            rx.text(row.summary, size="1", color=rx.color("gray", 11)),
            spacing="1",
        ),
        on_click=EvaluationState.select_set(row.id),
        cursor="pointer",
        width="100%",
        background=rx.cond(selected, rx.color("accent", 3), rx.color("gray", 1)),
        class_name="question-set-item",
    )


def _results() -> rx.Component:
    return rx.vstack(
        rx.text(EvaluationState.run_label, size="2", color=rx.color("gray", 11), id="run-label"),
        rx.flex(
            figure("recall@k", EvaluationState.recall),
            figure("MRR", EvaluationState.mrr),
            rx.text(EvaluationState.found, size="2", align_self="center"),
            gap="1rem",
            wrap="wrap",
            id="run-figures",
        ),
        outcomes_table(EvaluationState.outcomes),
        width="100%",
        spacing="3",
    )


def _compare_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Compare settings", size="3", as_="h2"),
                rx.text(
                    "Each value changes one thing of the collection as it is; up to 4 at a time. "
                    "Other chunk sizes are embedded into temporary indexes, removed afterwards.",
                    size="1",
                    color=rx.color("gray", 11),
                ),
                rx.flex(
                    field("Chunk sizes", rx.input(name="sizes", placeholder="100, 400", id="compare-sizes")),
                    field("Top-k values", rx.input(name="ks", placeholder="1, 5", id="compare-ks")),
                    field(
                        "Other embedding model",
                        rx.select(EvaluationState.embedding_models, name="model", placeholder="(none)"),
                    ),
                    direction=rx.breakpoints(initial="column", sm="row"),
                    gap="0.75rem",
                    width="100%",
                ),
                rx.button("Compare", type="submit", loading=EvaluationState.comparing, id="compare-settings"),
                spacing="2",
                width="100%",
            ),
            on_submit=EvaluationState.compare,
        ),
        width="100%",
    )


def _figures_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.name, weight="medium"), rx.text(row.label, size="1", color=rx.color("gray", 11))),
        rx.table.cell(row.recall),
        rx.table.cell(row.mrr),
        rx.table.cell(row.chunks),
    )


def _comparison() -> rx.Component:
    return rx.vstack(
        rx.heading("Side by side", size="3", as_="h2"),
        rx.box(settings_chart(EvaluationState.chart), width="100%", id="settings-chart"),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Setting"),
                    rx.table.column_header_cell("recall@k"),
                    rx.table.column_header_cell("MRR"),
                    rx.table.column_header_cell("Chunks"),
                )
            ),
            rx.table.body(rx.foreach(EvaluationState.figures, _figures_row)),
            size="1",
            width="100%",
        ),
        width="100%",
        spacing="3",
    )


def _detail() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.button(rx.icon("play", size=16), "Run", on_click=EvaluationState.run, id="run-question-set"),
            rx.button(
                rx.icon("trash-2", size=16),
                "Delete set",
                variant="soft",
                color_scheme="red",
                on_click=EvaluationState.delete_set(EvaluationState.selected_set),
            ),
            wrap="wrap",
        ),
        rx.cond(EvaluationState.run_label != "", _results()),
        _compare_form(),
        rx.cond(EvaluationState.figures.length() > 1, _comparison()),  # type: ignore[attr-defined]
        width="100%",
        spacing="4",
    )


def evaluate_page() -> rx.Component:
    return page_shell(
        "Evaluate retrieval",
        rx.text(
            "Write questions with the document each should find, then see recall@k (how many were found in the "
            "top k) and MRR (how high they ranked), and how other chunk sizes, k values or models change them.",
            color=rx.color("gray", 11),
        ),
        rx.cond(
            EvaluationState.collections.length() > 0,  # type: ignore[attr-defined]
            rx.vstack(
                _collection_picker(),
                list_and_detail(
                    "Question sets of this collection",
                    _new_set_dialog(),
                    EvaluationState.sets.length() > 0,  # type: ignore[attr-defined]
                    rx.foreach(EvaluationState.sets, _set_item),
                    _detail(),
                    empty_state("list-checks", "No question sets for this collection yet — write one."),
                ),
                width="100%",
                spacing="4",
            ),
            empty_state(
                "database",
                "No collections to evaluate yet — create one and add documents first.",
                rx.link("Collections →", href="/collections"),
            ),
        ),
    )
