"""An attempt's verdicts, one line per check (passed, or failed with its reason), and the Playground's submit box."""

from __future__ import annotations

import reflex as rx

from workshop_app.state.exercises_state import ExercisesState


def verdicts(exercise_id: rx.Var | str) -> rx.Component:
    """The latest attempt's checks of one exercise, as the attendee reads them."""
    return rx.vstack(
        rx.foreach(
            ExercisesState.results,
            lambda row: rx.cond(
                row["exercise"] == exercise_id,
                rx.hstack(
                    rx.cond(
                        row["passed"] == "yes",
                        rx.badge(rx.icon("check", size=12), "passed", color_scheme="green"),
                        rx.badge(rx.icon("x", size=12), "failed", color_scheme="red"),
                    ),
                    rx.text(row["label"], size="2", weight="medium"),
                    rx.cond(row["reason"] != "", rx.text("— ", row["reason"], size="2", color=rx.color("red", 11))),
                    wrap="wrap",
                    spacing="2",
                    class_name="check-verdict",
                ),
            ),
        ),
        spacing="1",
        width="100%",
    )


def submit_to_exercise(shown: rx.Var, on_submit: rx.event.EventSpec) -> rx.Component:
    """For attendees whose workshop has exercises: send the newest reply on this page to one of them."""
    return rx.box(
        rx.cond(
            (ExercisesState.exercises.length() > 0) & ~ExercisesState.is_instructor & shown,
            rx.vstack(
                rx.hstack(
                    rx.select.root(
                        rx.select.trigger(placeholder="Exercise", aria_label="Exercise to submit to"),
                        rx.select.content(
                            rx.foreach(ExercisesState.exercises, lambda e: rx.select.item(e["title"], value=e["id"]))
                        ),
                        value=ExercisesState.chosen_exercise,
                        on_change=ExercisesState.choose_exercise,
                    ),
                    rx.button(
                        rx.icon("send", size=14),
                        "Submit to exercise",
                        on_click=on_submit,
                        variant="soft",
                        id="submit-to-exercise",
                    ),
                    wrap="wrap",
                    align="center",
                ),
                verdicts(ExercisesState.chosen_exercise),
                width="100%",
                spacing="2",
                id="exercise-submit",
            ),
        ),
        on_mount=ExercisesState.load_choices,
        width="100%",
    )
