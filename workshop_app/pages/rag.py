"""RAG page: build a RAG system, ask it questions, open the numbered citations and the inspector."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.code_blocks import code_block
from workshop_app.components.exercise_results import submit_to_exercise
from workshop_app.components.help_parts import ask_for_help_button
from workshop_app.components.retrieval_parts import chunk_card, empty_state, field, list_and_detail, visibility_field
from workshop_app.components.running_elsewhere import running_elsewhere_notice
from workshop_app.components.shell import page_shell
from workshop_app.components.tool_parts import TOOLS_ROUTE, trace_step
from workshop_app.state.exercises_state import ExercisesState
from workshop_app.state.help_state import HelpState
from workshop_app.state.rag_state import RagState


def _new_system_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus", size=16), "New RAG system", id="new-rag-system")),
        rx.dialog.content(
            rx.dialog.title("New RAG system"),
            rx.form(
                rx.vstack(
                    field("Name", rx.input(name="name", placeholder="Course assistant", required=True)),
                    field(
                        "Chat model",
                        rx.select(RagState.chat_models, name="chat_model", placeholder="Choose a chat model"),
                    ),
                    field(
                        "Collections",
                        rx.cond(
                            RagState.collections.length() > 0,
                            rx.hstack(
                                rx.foreach(
                                    RagState.collections,
                                    lambda c: rx.checkbox(
                                        c.name,
                                        checked=RagState.chosen_collections.contains(c.id),
                                        on_change=lambda checked: RagState.toggle_collection(c.id, checked),
                                    ),
                                ),
                                wrap="wrap",
                                spacing="4",
                            ),
                            rx.link("Create a collection first →", href="/collections"),
                        ),
                    ),
                    field(
                        "Tools (optional)",
                        rx.cond(
                            RagState.tools.length() > 0,
                            rx.hstack(
                                rx.foreach(
                                    RagState.tools,
                                    lambda t: rx.checkbox(
                                        t.name,
                                        checked=RagState.chosen_tools.contains(t.id),
                                        on_change=lambda checked: RagState.toggle_tool(t.id, checked),
                                    ),
                                ),
                                wrap="wrap",
                                spacing="4",
                                id="rag-tool-choices",
                            ),
                            rx.link("Define a tool →", href=TOOLS_ROUTE),
                        ),
                        "Answers may call these; the chat model needs the tools capability.",
                    ),
                    field(
                        "Prompt template",
                        rx.text_area(name="prompt_template", default_value=RagState.default_template, rows="9"),
                        "{{context}} becomes the numbered sources, {{question}} the question.",
                    ),
                    visibility_field(),
                    rx.hstack(
                        field("top_k", rx.input(name="top_k", default_value="4")),
                        field("Score threshold", rx.input(name="score_threshold", default_value="0")),
                        field("num_ctx", rx.input(name="num_ctx", default_value="4096")),
                        width="100%",
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Create", type="submit", id="create-rag-system"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=RagState.create,
            ),
            max_width="44rem",
        ),
        open=RagState.form_open,
        on_open_change=RagState.set_form_open,
    )


def _system_item(row: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(row.name, weight="medium"),
            rx.text(row.chat_model, size="1"),
            rx.text(row.settings, size="1", color=rx.color("gray", 11)),
            spacing="1",
        ),
        on_click=RagState.select(row.id),
        cursor="pointer",
        width="100%",
        background=rx.cond(RagState.selected_id == row.id, rx.color("accent", 3), rx.color("gray", 1)),
        class_name="rag-system-item",
    )


def _answer(answer: rx.Var, index: rx.Var) -> rx.Component:
    streaming = (answer.status == "streaming") & (index == RagState.answers.length() - 1)
    text = rx.cond(streaming, RagState.answer_text, answer.text)
    return rx.vstack(
        rx.card(rx.text(answer.question), background=rx.color("accent", 3), align_self="end", max_width="80%"),
        rx.card(
            rx.vstack(
                rx.text(text, white_space="pre-wrap", class_name="answer-text"),
                rx.cond(answer.status == "streaming", rx.spinner(size="1")),
                rx.cond(answer.status == "stopped", rx.badge("stopped", color_scheme="amber", variant="soft")),
                rx.cond(answer.status == "failed", rx.badge("failed", color_scheme="red", variant="soft")),
                rx.hstack(
                    rx.text("Sources:", size="1", weight="medium"),
                    rx.foreach(
                        answer.sources,
                        lambda source: rx.button(
                            "[",
                            source.number,
                            "] ",
                            source.title,
                            size="1",
                            variant=rx.cond(answer.cited.contains(source.number), "solid", "soft"),
                            on_click=RagState.open_citation(index, source.number),
                            class_name="citation",
                        ),
                    ),
                    rx.spacer(),
                    rx.cond(
                        answer.trace.length() > 0,
                        rx.badge(answer.trace.length(), " tool calls", variant="soft", color_scheme="iris"),
                    ),
                    rx.button(
                        rx.icon("microscope", size=14),
                        "Inspector",
                        size="1",
                        variant="outline",
                        on_click=RagState.inspect(index),
                        class_name="open-inspector",
                    ),
                    wrap="wrap",
                    align="center",
                    width="100%",
                ),
                width="100%",
            ),
            width="100%",
            class_name="rag-answer",
            data_status=answer.status,
        ),
        width="100%",
    )


def _citation_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Source [", RagState.citation.number, "]"),
            chunk_card(RagState.citation),
            rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray", margin_top="1rem")),
            max_width="48rem",
            class_name="citation-dialog",
        ),
        open=RagState.citation_open,
        on_open_change=RagState.set_citation_open,
    )


def _inspector_dialog() -> rx.Component:
    answer = RagState.inspected
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("How this answer was made"),
            rx.scroll_area(
                rx.vstack(
                    rx.foreach(
                        answer.warnings,
                        lambda w: rx.callout(w, icon="triangle-alert", color_scheme="orange", width="100%"),
                    ),
                    rx.heading("Token budget", size="3", as_="h3"),
                    rx.progress(
                        value=answer.budget_percent,
                        max=100,
                        width="100%",
                        aria_label="Share of the context window used",
                    ),
                    rx.text(answer.budget, size="2"),
                    rx.heading("Retrieved chunks", size="3", as_="h3"),
                    rx.foreach(answer.retrieved, lambda hit: chunk_card(hit)),
                    rx.heading("Exact prompt sent", size="3", as_="h3"),
                    code_block(answer.prompt, language="markdown", width="100%"),
                    rx.cond(
                        answer.trace.length() > 0,
                        rx.vstack(
                            rx.heading("Tool calls", size="3", as_="h3"),
                            rx.foreach(answer.trace, trace_step),
                            width="100%",
                            id="rag-trace",
                        ),
                    ),
                    width="100%",
                    spacing="3",
                ),
                max_height="70vh",
            ),
            rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray", margin_top="1rem")),
            max_width="60rem",
            class_name="inspector-dialog",
        ),
        open=RagState.inspector_open,
        on_open_change=RagState.set_inspector_open,
    )


def _chat() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(RagState.selected.name, size="5", as_="h2"),
            rx.spacer(),
            rx.cond(
                (RagState.answers.length() > 0) & ~RagState.streaming,
                rx.button(
                    rx.icon("eraser", size=14),
                    "Clear my questions",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=RagState.clear_history,
                    id="rag-clear-history",
                ),
            ),
            width="100%",
            align="center",
        ),
        rx.text(RagState.selected.chat_model, " · ", RagState.selected.settings, size="2", color=rx.color("gray", 11)),
        running_elsewhere_notice(
            RagState, "An answer to your question is streaming in another tab; it shows here once kept."
        ),
        submit_to_exercise(RagState.answers.length() > 0, ExercisesState.submit_rag(RagState.selected_id)),
        rx.foreach(RagState.answers, _answer),
        rx.form(
            rx.hstack(
                rx.input(
                    value=RagState.draft,
                    on_change=RagState.set_draft,
                    placeholder="Ask a question about your documents",
                    aria_label="Question",
                    width="100%",
                    id="rag-question",
                ),
                rx.cond(
                    RagState.streaming,
                    rx.button(
                        rx.icon("square", size=16), "Stop", type="button", color_scheme="red", on_click=RagState.stop
                    ),
                    rx.button(rx.icon("send", size=16), "Ask", type="submit", id="rag-ask"),
                ),
                ask_for_help_button(HelpState.ask_about_rag, "rag-ask-for-help"),
                width="100%",
            ),
            on_submit=lambda _form: RagState.ask(),
            width="100%",
        ),
        width="100%",
        spacing="3",
    )


def rag_page() -> rx.Component:
    return page_shell(
        "RAG",
        list_and_detail(
            "Retrieval-augmented chat: answers grounded in your collections, with numbered citations.",
            _new_system_dialog(),
            RagState.systems.length() > 0,
            rx.foreach(RagState.systems, _system_item),
            _chat(),
            empty_state("sparkles", "No RAG systems yet — create one from a collection."),
        ),
        _citation_dialog(),
        _inspector_dialog(),
    )
