"""Collections page: vector collections, embedding jobs with progress, search, and the embedding map."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.job_status import job_status_badge
from workshop_app.components.retrieval_parts import chunk_card, empty_state, field, list_and_detail, visibility_field
from workshop_app.components.shell import page_shell
from workshop_app.state.collections_state import CollectionsState


def _new_collection_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus", size=16), "New collection", id="new-collection")),
        rx.dialog.content(
            rx.dialog.title("New collection"),
            rx.form(
                rx.vstack(
                    field("Name", rx.input(name="name", placeholder="Course notes", required=True)),
                    field(
                        "Embedding model",
                        rx.select(
                            CollectionsState.embedding_models,
                            name="embedding_model",
                            placeholder="Choose a model that can embed",
                        ),
                        "Only models whose capabilities include embedding are listed.",
                    ),
                    field("Distance", rx.select(["cosine", "l2", "ip"], name="distance", default_value="cosine")),
                    rx.hstack(
                        field("Chunk size", rx.input(name="chunk_size", default_value="800")),
                        field("Overlap", rx.input(name="chunk_overlap", default_value="100")),
                        field("Measured in", rx.select(["chars", "tokens"], name="chunk_unit", default_value="chars")),
                        width="100%",
                    ),
                    rx.checkbox("Markdown-aware splitting", name="markdown", default_checked=True),
                    visibility_field(),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Create", type="submit", id="create-collection"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=CollectionsState.create,
            ),
        ),
        open=CollectionsState.form_open,
        on_open_change=CollectionsState.set_form_open,
    )


def _collection_item(row: rx.Var) -> rx.Component:
    selected = CollectionsState.selected_id == row.id
    return rx.card(
        rx.vstack(
            rx.text(row.name, weight="medium"),
            rx.text(row.model, " · ", row.distance, size="1", color=rx.color("gray", 11)),
            spacing="1",
        ),
        on_click=CollectionsState.select(row.id),
        cursor="pointer",
        width="100%",
        background=rx.cond(selected, rx.color("accent", 3), rx.color("gray", 1)),
        class_name="collection-item",
    )


def _job(job: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                job_status_badge(job.status),
                rx.text(job.progress, size="2"),
                rx.text(job.speed, size="1", color=rx.color("gray", 11)),
                rx.spacer(),
                rx.cond(
                    job.running,
                    rx.button(
                        "Cancel",
                        size="1",
                        color_scheme="red",
                        variant="soft",
                        on_click=CollectionsState.cancel_job(job.id),
                        class_name="cancel-job",
                    ),
                ),
                width="100%",
                align="center",
            ),
            rx.progress(value=job.percent, max=100, width="100%", aria_label="Embedding progress"),
            rx.cond(job.error != "", rx.text(job.error, color=rx.color("red", 11), size="2")),
            rx.foreach(job.errors, lambda e: rx.text(e, color=rx.color("red", 11), size="2")),
            width="100%",
        ),
        width="100%",
        class_name="embedding-job",
        data_status=job.status,
    )


def _documents_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Documents", size="4", as_="h3"),
        rx.cond(
            CollectionsState.members.length() > 0,
            rx.hstack(
                rx.foreach(
                    CollectionsState.members,
                    lambda m: rx.badge(m.title, " · ", m.chunks, variant="soft", size="2"),
                ),
                wrap="wrap",
            ),
            rx.text("Nothing embedded yet.", size="2", color=rx.color("gray", 11)),
        ),
        rx.cond(
            CollectionsState.documents.length() > 0,
            rx.vstack(
                rx.hstack(
                    rx.foreach(
                        CollectionsState.documents,
                        lambda d: rx.checkbox(
                            d.title,
                            checked=CollectionsState.chosen_documents.contains(d.id),
                            on_change=lambda checked: CollectionsState.toggle_document(d.id, checked),
                        ),
                    ),
                    wrap="wrap",
                    spacing="4",
                ),
                rx.button(
                    rx.icon("cpu", size=16),
                    "Embed chosen documents",
                    on_click=CollectionsState.add_documents,
                    disabled=CollectionsState.chosen_documents.length() == 0,
                    id="embed-documents",
                ),
            ),
            empty_state("file-text", "Upload documents first.", rx.link("Go to Documents →", href="/documents")),
        ),
        rx.foreach(CollectionsState.jobs, _job),
        width="100%",
    )


def _search_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Search", size="4", as_="h3"),
        rx.form(
            rx.hstack(
                rx.input(
                    value=CollectionsState.query,
                    on_change=lambda value: CollectionsState.set_search_field("query", value),
                    placeholder="Ask or type words to find",
                    aria_label="Search query",
                    width="100%",
                    id="search-query",
                ),
                rx.input(
                    value=CollectionsState.top_k,
                    on_change=lambda value: CollectionsState.set_search_field("top_k", value),
                    width="4rem",
                    aria_label="Number of results",
                ),
                rx.button(rx.icon("search", size=16), "Search", type="submit"),
                width="100%",
            ),
            on_submit=lambda _form: CollectionsState.run_search(),
            width="100%",
        ),
        rx.foreach(CollectionsState.hits, lambda hit: chunk_card(hit)),
        width="100%",
    )


def _map_section() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Embedding map", size="4", as_="h3"),
            rx.button("Draw", size="1", variant="soft", on_click=CollectionsState.show_map),
        ),
        rx.text(CollectionsState.map_note, size="1", color=rx.color("gray", 11)),
        rx.cond(
            CollectionsState.series.length() > 0,
            rx.recharts.scatter_chart(
                rx.foreach(
                    CollectionsState.series,
                    lambda s: rx.recharts.scatter(
                        data=s.points, name=s.title, fill=s.colour, is_animation_active=False
                    ),
                ),
                rx.recharts.scatter(
                    data=CollectionsState.query_point,
                    name="your query",
                    fill=rx.color("gray", 12),
                    shape="star",
                    is_animation_active=False,
                ),
                rx.recharts.x_axis(data_key="x", type_="number", name="PC 1"),
                rx.recharts.y_axis(data_key="y", type_="number", name="PC 2"),
                rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                rx.recharts.graphing_tooltip(),
                rx.recharts.legend(),
                width="100%",
                height=360,
            ),
        ),
        width="100%",
        class_name="embedding-map",
    )


def _detail() -> rx.Component:
    row = CollectionsState.selected
    return rx.vstack(
        rx.heading(row.name, size="5", as_="h2"),
        rx.text(
            row.model,
            " · ",
            row.distance,
            " · ",
            row.dimension,
            " · ",
            row.chunking,
            size="2",
            color=rx.color("gray", 11),
        ),
        rx.link("Measure how well it retrieves (recall@k, MRR) →", href=f"/evaluate?collection={row.id}"),
        _documents_section(),
        rx.divider(),
        _search_section(),
        rx.divider(),
        _map_section(),
        width="100%",
        spacing="4",
    )


def collections_page() -> rx.Component:
    return page_shell(
        "Collections",
        list_and_detail(
            "Embed documents into a vector collection, then search it the way a RAG system will.",
            _new_collection_dialog(),
            CollectionsState.rows.length() > 0,
            rx.foreach(CollectionsState.rows, _collection_item),
            _detail(),
            empty_state("database", "No collections yet — create one to embed your documents."),
        ),
    )
