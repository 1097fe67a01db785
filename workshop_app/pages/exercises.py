"""Exercises page: attendees read their workshop's exercises, submit a reply and see each check's verdict;
instructors write exercises, reveal model answers and watch the progress board."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.exercise_results import verdicts
from workshop_app.components.reply_markdown import reply_markdown
from workshop_app.components.shell import page_shell
from workshop_app.components.workshop_picker import with_a_workshop, workshop_picker
from workshop_app.state.exercises_state import BOARD_REFRESH_MS, CHECK_KINDS, ExercisesState

VALUE_HINTS = {
    "regex": "Pattern, e.g. \\b\\d{4}\\b",
    "contains": "Words, comma separated",
    "json_schema": '{"type": "object", ...}',
    "tool_call": "Tool name",
    "retrieved_document": "Document title, e.g. handbook.md",
    "max_tokens": "Most tokens, e.g. 100",
}


def _exercise_card(exercise: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(exercise["title"], size="4", as_="h2"),
                rx.spacer(),
                rx.cond(exercise["status"] == "passed", rx.badge("passed", color_scheme="green")),
                rx.cond(exercise["status"] == "trying", rx.badge("trying", color_scheme="amber")),
                rx.cond(
                    ~ExercisesState.is_instructor,
                    rx.text("Attempts: ", exercise["attempts"], size="1", color=rx.color("gray", 11)),
                ),
                width="100%",
                align="center",
            ),
            reply_markdown(exercise["instructions"]),
            rx.text("Start from: ", exercise["start"], size="2", color=rx.color("gray", 11)),
            rx.text("Checks", size="2", weight="bold"),
            rx.markdown(exercise["checks"]),
            rx.cond(ExercisesState.is_instructor, _instructor_actions(exercise), _submit(exercise)),
            rx.cond(
                exercise["model_answer"] != "",
                rx.card(
                    rx.text("Model answer", weight="bold"),
                    reply_markdown(exercise["model_answer"]),
                    class_name="model-answer",
                    width="100%",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="exercise-card",
    )


def _submit(exercise: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.select.root(
                rx.select.trigger(placeholder="Your newest reply", aria_label="Reply to submit"),
                rx.select.content(
                    rx.foreach(ExercisesState.sources, lambda s: rx.select.item(s["label"], value=s["value"]))
                ),
                value=ExercisesState.picked.get(exercise["id"], ""),
                on_change=lambda value: ExercisesState.pick_source(exercise["id"], value),
            ),
            rx.button(rx.icon("send", size=14), "Submit", on_click=ExercisesState.submit(exercise["id"])),
            wrap="wrap",
            align="center",
        ),
        rx.cond(
            ExercisesState.sources.length() == 0,
            rx.text("Chat in the Playground or ask a RAG system first; your replies show up here.", size="2"),
        ),
        verdicts(exercise["id"]),
        width="100%",
    )


def _instructor_actions(exercise: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.cond(
            exercise["revealed"] == "yes",
            rx.button("Hide model answer", on_click=ExercisesState.reveal(exercise["id"], False), variant="soft"),
            rx.button("Reveal model answer", on_click=ExercisesState.reveal(exercise["id"], True), variant="soft"),
        ),
        rx.button("Edit", on_click=ExercisesState.edit(exercise["id"]), variant="soft"),
        rx.button("Delete", on_click=ExercisesState.delete(exercise["id"]), variant="soft", color_scheme="red"),
        wrap="wrap",
    )


def _check_row(check: rx.Var, index: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.select.root(
            rx.select.trigger(aria_label="Check kind"),
            rx.select.content(*[rx.select.item(kind, value=kind) for kind in CHECK_KINDS]),
            value=check["kind"],
            on_change=lambda value: ExercisesState.set_check(index, "kind", value),
        ),
        rx.input(
            value=check["value"],
            on_change=lambda value: ExercisesState.set_check(index, "value", value),
            placeholder=rx.match(check["kind"], *VALUE_HINTS.items(), "Value"),
            aria_label="Check value",
            flex="1",
            min_width="12em",
        ),
        rx.cond(
            check["kind"] == "tool_call",
            rx.input(
                value=check["extra"],
                on_change=lambda value: ExercisesState.set_check(index, "extra", value),
                placeholder="Arguments schema (optional JSON)",
                aria_label="Arguments schema",
                flex="1",
            ),
        ),
        rx.icon_button(
            rx.icon("trash-2", size=14),
            on_click=ExercisesState.remove_check(index),
            variant="ghost",
            aria_label="Remove check",
        ),
        width="100%",
        wrap="wrap",
        class_name="check-row",
    )


def _editor() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(rx.cond(ExercisesState.editing_id != "", "Edit exercise", "New exercise"), size="4", as_="h2"),
            rx.input(
                value=ExercisesState.title,
                on_change=lambda v: ExercisesState.set_field("title", v),
                placeholder="Title",
                aria_label="Exercise title",
                width="100%",
            ),
            rx.text_area(
                value=ExercisesState.instructions,
                on_change=lambda v: ExercisesState.set_field("instructions", v),
                placeholder="Instructions (markdown)",
                aria_label="Instructions",
                rows="4",
                width="100%",
            ),
            rx.select.root(
                rx.select.trigger(placeholder="Start from", aria_label="Start from"),
                rx.select.content(
                    rx.foreach(ExercisesState.start_options, lambda o: rx.select.item(o["label"], value=o["value"]))
                ),
                value=ExercisesState.start,
                on_change=lambda v: ExercisesState.set_field("start", v),
            ),
            rx.text("Checks the submission must pass", size="2", weight="bold"),
            rx.foreach(ExercisesState.checks, _check_row),
            rx.button(rx.icon("plus", size=14), "Add check", on_click=ExercisesState.add_check, variant="soft"),
            rx.text_area(
                value=ExercisesState.model_answer,
                on_change=lambda v: ExercisesState.set_field("model_answer", v),
                placeholder="Model answer (shown to attendees once you reveal it)",
                aria_label="Model answer",
                rows="2",
                width="100%",
            ),
            rx.hstack(
                rx.button(rx.icon("save", size=14), "Save exercise", on_click=ExercisesState.save, id="save-exercise"),
                rx.cond(
                    ExercisesState.editing_id != "",
                    rx.button("Cancel", on_click=ExercisesState.cancel_edit, variant="soft", color_scheme="gray"),
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _board_cell(cell: rx.Var) -> rx.Component:
    """ "passed · 2", "trying · 1" or "not started · 0", coloured so the room's progress reads at a glance."""
    return rx.table.cell(
        rx.cond(
            cell.contains("passed"),
            rx.badge(cell, color_scheme="green"),
            rx.cond(cell.contains("trying"), rx.badge(cell, color_scheme="amber"), rx.text(cell, size="2")),
        )
    )


def _board() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Progress", size="4", as_="h2"),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", on_click=ExercisesState.refresh_board, variant="soft"),
            align="center",
        ),
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Attendee"),
                        rx.foreach(ExercisesState.board_exercises, rx.table.column_header_cell),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        ExercisesState.board_rows,
                        lambda row: rx.table.row(
                            rx.table.cell(row[0]), rx.foreach(row[1:], _board_cell), class_name="board-row"
                        ),
                    )
                ),
                width="100%",
                id="exercise-board",
            ),
            overflow_x="auto",
            width="100%",
        ),
        rx.text("Each cell: not started / trying / passed · attempts; updates every few seconds.", size="1"),
        rx.moment(interval=BOARD_REFRESH_MS, on_change=ExercisesState.tick, display="none"),
        width="100%",
        spacing="2",
    )


def _list() -> rx.Component:
    return rx.cond(
        ExercisesState.exercises.length() > 0,
        rx.vstack(rx.foreach(ExercisesState.exercises, _exercise_card), width="100%", spacing="3"),
        rx.callout(
            rx.cond(
                ExercisesState.is_instructor,
                "No exercises yet — write the first one below.",
                "No exercises in your workshop yet. Your instructor sets them; meanwhile, try the Playground.",
            ),
            icon="info",
            width="100%",
        ),
    )


def exercises_page() -> rx.Component:
    return page_shell(
        "Exercises",
        rx.text("Tasks with automatic checks: submit a reply and see which checks pass and why not."),
        rx.cond(
            ExercisesState.is_instructor,
            with_a_workshop(
                ExercisesState,
                rx.vstack(workshop_picker(ExercisesState), _board(), _list(), _editor(), width="100%", spacing="4"),
                "Exercises",
            ),
            _list(),
        ),
    )
