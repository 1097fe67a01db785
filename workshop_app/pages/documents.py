"""Documents page: upload several files at once, see what each became, preview text and chunks."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.retrieval_parts import empty_state, field
from workshop_app.components.shell import page_shell
from workshop_app.components.table_headers import header_row
from workshop_app.state.documents_state import UPLOAD_ID, DocumentsState


def _upload_box() -> rx.Component:
    return rx.vstack(
        rx.upload(
            rx.vstack(
                rx.icon("upload", size=28, color=rx.color("accent", 10)),
                rx.text("Drop .txt, .md, .pdf or .html files here, or click to choose several."),
                rx.hstack(
                    rx.foreach(rx.selected_files(UPLOAD_ID), lambda name: rx.badge(name, variant="soft")), wrap="wrap"
                ),
                align="center",
                spacing="2",
            ),
            id=UPLOAD_ID,
            multiple=True,
            border=f"2px dashed {rx.color('gray', 7)}",
            border_radius="var(--radius-3)",
            padding="1.5rem",
            width="100%",
        ),
        rx.button(
            rx.icon("file-up", size=16),
            "Upload",
            on_click=DocumentsState.upload(rx.upload_files(upload_id=UPLOAD_ID)),
            id="upload-button",
        ),
        width="100%",
    )


def _upload_result(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon(
            rx.cond(row.ok, "circle-check", "circle-alert"),
            color=rx.cond(row.ok, rx.color("green", 10), rx.color("red", 10)),
            size=16,
        ),
        rx.text(row.filename, weight="medium"),
        rx.text(rx.cond(row.ok, "uploaded", row.message), size="2"),
        rx.cond(row.hint != "", rx.text(row.hint, size="1", color=rx.color("gray", 11))),
        class_name="upload-result",
        data_ok=rx.cond(row.ok, "yes", "no"),
        align="center",
        wrap="wrap",
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row.title, on_click=DocumentsState.open_preview(row.id), cursor="pointer")),
        rx.table.cell(rx.badge(row.kind)),
        rx.table.cell(row.size),
        rx.table.cell(row.chars),
        rx.table.cell(row.created),
        rx.table.cell(
            rx.hstack(
                rx.button("Preview", size="1", variant="soft", on_click=DocumentsState.open_preview(row.id)),
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    on_click=DocumentsState.delete(row.id),
                    aria_label="Delete " + row.title,
                ),
            )
        ),
        class_name="document-row",
    )


def _table() -> rx.Component:
    return rx.table.root(
        header_row("Document", "Type", "Size", "Text", "Uploaded", ""),
        rx.table.body(rx.foreach(DocumentsState.rows, _row)),
        width="100%",
    )


def _chunk_controls() -> rx.Component:
    return rx.hstack(
        field(
            "Chunk size",
            rx.input(value=DocumentsState.chunk_size, on_change=DocumentsState.set_chunk_size, width="6rem"),
            width="auto",
        ),
        field(
            "Overlap",
            rx.input(value=DocumentsState.chunk_overlap, on_change=DocumentsState.set_chunk_overlap, width="6rem"),
            width="auto",
        ),
        field(
            "Measured in",
            rx.select(["chars", "tokens"], value=DocumentsState.chunk_unit, on_change=DocumentsState.set_chunk_unit),
            width="auto",
        ),
        field(
            "Markdown-aware",
            rx.switch(checked=DocumentsState.chunk_markdown, on_change=DocumentsState.set_chunk_markdown),
            width="auto",
        ),
        rx.button("Preview chunks", on_click=DocumentsState.rechunk, variant="soft"),
        align="end",
        wrap="wrap",
        spacing="3",
    )


def _preview_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(DocumentsState.preview_title),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Extracted text", value="text"), rx.tabs.trigger("Chunks", value="chunks")
                ),
                rx.tabs.content(
                    rx.scroll_area(
                        rx.text(DocumentsState.preview_text, white_space="pre-wrap", size="2"), max_height="60vh"
                    ),
                    rx.cond(DocumentsState.preview_truncated, rx.text("… (preview shortened)", size="1")),
                    value="text",
                    padding_top="1rem",
                ),
                rx.tabs.content(
                    rx.vstack(
                        _chunk_controls(),
                        rx.text(
                            "Chunks in all: ",
                            DocumentsState.chunk_total,
                            " (showing the first ",
                            DocumentsState.chunks.length(),
                            ")",
                            size="2",
                        ),
                        rx.scroll_area(
                            rx.vstack(
                                rx.foreach(
                                    DocumentsState.chunks,
                                    lambda c: rx.card(
                                        rx.text(c.label, size="1", color=rx.color("gray", 11)),
                                        rx.text(c.text, size="2", white_space="pre-wrap"),
                                        width="100%",
                                        class_name="chunk-preview",
                                    ),
                                ),
                                width="100%",
                            ),
                            max_height="50vh",
                        ),
                        width="100%",
                    ),
                    value="chunks",
                    padding_top="1rem",
                ),
                default_value="text",
            ),
            rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray", margin_top="1rem")),
            max_width="60rem",
        ),
        open=DocumentsState.preview_open,
        on_open_change=DocumentsState.set_preview_open,
    )


def documents_page() -> rx.Component:
    return page_shell(
        "Documents",
        rx.text(
            "Your own material for retrieval: upload files,"
            " check the text that was extracted and how it will be cut into chunks.",
            color=rx.color("gray", 11),
        ),
        _upload_box(),
        rx.cond(
            DocumentsState.upload_results.length() > 0,
            rx.card(rx.vstack(rx.foreach(DocumentsState.upload_results, _upload_result), spacing="2"), width="100%"),
        ),
        rx.cond(
            DocumentsState.rows.length() > 0,
            _table(),
            empty_state("file-text", "No documents yet — upload a few files above to get started."),
        ),
        _preview_dialog(),
    )
