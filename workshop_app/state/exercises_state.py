"""State of the Exercises page and of the Playground's "Submit to exercise": thin calls into services/exercises.

Instructors write exercises and watch the polled progress board; attendees read their
workshop's exercises, submit one of their replies and see each check's verdict.
"""

from __future__ import annotations

import reflex as rx

from workshop_app.services.exercises import authoring, board, submissions
from workshop_app.services.exercises.authoring import ExerciseDraft, ExerciseView
from workshop_app.services.exercises.checks import CheckKind, form_check, form_fields
from workshop_app.services.exercises.submissions import SubmissionView
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.policy import Actor
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors

BOARD_REFRESH_MS = 5000
CHECK_KINDS = [kind.value for kind in CheckKind]


def _blank_check(kind: str = CheckKind.CONTAINS) -> dict[str, str]:
    return {"kind": kind, "value": "", "extra": ""}


class ExercisesState(AuthState):
    workshop_options: list[dict[str, str]] = []
    workshop_id: str = ""
    exercises: list[dict[str, str]] = []
    results: list[dict[str, str]] = []  # the latest attempt's verdicts, one row per check, keyed by "exercise"
    sources: list[dict[str, str]] = []  # the attendee's recent replies to pick from
    picked: dict[str, str] = {}  # exercise id -> chosen source
    start_options: list[dict[str, str]] = []
    board_exercises: list[str] = []
    board_rows: list[list[str]] = []
    title: str = ""
    instructions: str = ""
    start: str = "empty:"
    model_answer: str = ""
    checks: list[dict[str, str]] = [_blank_check()]
    chosen_exercise: str = ""  # the Playground's choice
    editing_id: str = ""  # the exercise the editor changes; empty: a new one

    @rx.event
    @toasts_errors
    def load(self):
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        runs = [w for w in workshops.list_workshops(actor) if workshops.may_run(actor, w)]
        self.workshop_options = [{"id": str(w.id), "title": w.title} for w in runs]
        if self.workshop_id not in {option["id"] for option in self.workshop_options}:
            own = actor.workshop_id or (runs[0].id if runs else None)
            self.workshop_id = str(own) if own else ""
        self.start_options = [{"value": v, "label": label} for v, label in authoring.start_choices(actor)]
        return ExercisesState.refresh

    @rx.event
    def choose_workshop(self, workshop_id: str):
        self.workshop_id = workshop_id
        return ExercisesState.refresh

    @rx.event
    @toasts_errors
    def refresh(self):
        """The workshop's exercises; the board for those who run it, the own verdicts and replies for attendees."""
        if not self.workshop_id:
            return
        actor = self.acting()
        views = authoring.list_exercises(actor, int(self.workshop_id))
        self.exercises = [_exercise(view) for view in views]
        if self.is_instructor:
            self._show_board(actor)
        else:
            self._show_attempts(actor, views)

    @rx.event
    @toasts_errors
    def refresh_board(self):
        if self.is_instructor and self.workshop_id:
            self._show_board(self.acting())

    @rx.event
    def tick(self, _now: str):
        return ExercisesState.refresh_board if self.is_instructor and self.workshop_id else None

    def _show_board(self, actor: Actor) -> None:
        progress = board.progress_board(actor, int(self.workshop_id))
        self.board_exercises = progress.exercises
        self.board_rows = [
            [row.attendee, *(f"{cell.progress} · {cell.attempts}" for cell in row.cells)] for row in progress.rows
        ]

    def _show_attempts(self, actor: Actor, views: list[ExerciseView]) -> None:
        self.results = []
        for view, shown in zip(views, self.exercises, strict=True):
            attempts = submissions.my_submissions(actor, view.id)
            shown["attempts"] = str(len(attempts))
            if attempts:
                self._show_verdict(attempts[0])
        self.sources = [{"value": c.source, "label": c.label} for c in submissions.recent_sources(actor)]

    def _show_verdict(self, attempt: SubmissionView) -> None:
        """The attempt's verdicts replace the earlier ones of its exercise; its status updates."""
        key = str(attempt.exercise_id)
        rows = [
            {"exercise": key, "label": r.label, "passed": "yes" if r.passed else "no", "reason": r.reason}
            for r in attempt.results
        ]
        self.results = [r for r in self.results if r["exercise"] != key] + rows
        for shown in self.exercises:
            if shown["id"] == key:
                shown["status"], shown["attempts"] = ("passed" if attempt.passed else "trying"), str(attempt.attempt)

    # -- attendees ------------------------------------------------------------------------

    @rx.event
    def pick_source(self, exercise_id: str, source: str):
        self.picked[exercise_id] = source

    @rx.event
    @toasts_errors
    def submit(self, exercise_id: str):
        source = self.picked.get(exercise_id) or (self.sources[0]["value"] if self.sources else "")
        attempt = submissions.submit(self.acting(), int(exercise_id), source)
        self._show_verdict(attempt)
        return _verdict_toast(attempt)

    @rx.event
    def choose_exercise(self, exercise_id: str):
        self.chosen_exercise = exercise_id

    @rx.event
    @toasts_errors
    def submit_chat(self, chat_id: int):
        """The Playground's button: the newest reply of the open chat goes to the chosen exercise."""
        if not self.chosen_exercise:
            return rx.toast.info("Pick an exercise first.")
        attempt = submissions.submit_latest_chat_reply(self.acting(), int(self.chosen_exercise), chat_id)
        self._show_verdict(attempt)
        return _verdict_toast(attempt)

    @rx.event
    @toasts_errors
    def submit_rag(self, system_id: int):
        """The RAG page's button: the newest answer of the selected system goes to the chosen exercise."""
        if not self.chosen_exercise:
            return rx.toast.info("Pick an exercise first.")
        attempt = submissions.submit_latest_rag_answer(self.acting(), int(self.chosen_exercise), system_id)
        self._show_verdict(attempt)
        return _verdict_toast(attempt)

    @rx.event
    @toasts_errors
    def load_choices(self):
        """For the Playground: the attendee's workshop's exercises to submit to."""
        actor = self.signed_in()
        if actor is None or actor.workshop_id is None:
            return
        self.workshop_id = str(actor.workshop_id)
        self.exercises = [_exercise(view) for view in authoring.list_exercises(actor, actor.workshop_id)]
        if self.chosen_exercise not in {e["id"] for e in self.exercises}:
            self.chosen_exercise = self.exercises[0]["id"] if self.exercises else ""

    # -- instructors ----------------------------------------------------------------------

    @rx.event
    def set_field(self, name: str, value: str):
        if name in ("title", "instructions", "start", "model_answer"):
            setattr(self, name, value)

    @rx.event
    def add_check(self):
        self.checks = [*self.checks, _blank_check()]

    @rx.event
    def remove_check(self, index: int):
        self.checks = [c for i, c in enumerate(self.checks) if i != index]

    @rx.event
    def set_check(self, index: int, key: str, value: str):
        self.checks[index] = {**self.checks[index], key: value}

    @rx.event
    @toasts_errors
    def save(self):
        kind, _, start_id = self.start.partition(":")
        checks = [form_check(c["kind"], c["value"], c["extra"]) for c in self.checks]
        draft = ExerciseDraft(
            self.title, self.instructions, checks, kind, int(start_id) if start_id else None, self.model_answer
        )
        if self.editing_id:
            saved = authoring.update_exercise(self.acting(), int(self.editing_id), draft)
        else:
            saved = authoring.create_exercise(self.acting(), int(self.workshop_id or 0), draft)
        self._clear_editor()
        return [ExercisesState.refresh, rx.toast.success(f"Exercise “{saved.title}” saved.")]

    @rx.event
    def cancel_edit(self):
        self._clear_editor()

    def _clear_editor(self) -> None:
        self.title = self.instructions = self.model_answer = self.editing_id = ""
        self.start, self.checks = "empty:", [_blank_check()]

    @rx.event
    @toasts_errors
    def edit(self, exercise_id: str):
        """Load an exercise into the editor; saving then changes it (its checks validated again)."""
        view = authoring.exercise_to_edit(self.acting(), int(exercise_id))
        self.editing_id, self.title, self.instructions, self.model_answer = (
            exercise_id,
            view.title,
            view.instructions,
            view.model_answer,
        )
        self.start = f"{view.start_kind}:{view.start_id or ''}"
        self.checks = [dict(zip(("kind", "value", "extra"), form_fields(check), strict=True)) for check in view.checks]

    @rx.event
    @toasts_errors
    def reveal(self, exercise_id: str, revealed: bool):
        authoring.reveal_answer(self.acting(), int(exercise_id), revealed)
        return ExercisesState.refresh

    @rx.event
    @toasts_errors
    def delete(self, exercise_id: str):
        authoring.delete_exercise(self.acting(), int(exercise_id))
        return ExercisesState.refresh


def _exercise(view: ExerciseView) -> dict[str, str]:
    return {
        "id": str(view.id),
        "title": view.title,
        "instructions": view.instructions,
        "start": view.start_label,
        "checks": "\n".join(f"- {label}" for label in view.check_labels),
        "model_answer": view.model_answer,
        "revealed": "yes" if view.answer_revealed else "",
        "status": "",
        "attempts": "0",
    }


def _verdict_toast(attempt: SubmissionView) -> rx.event.EventSpec:
    if attempt.passed:
        return rx.toast.success(f"Attempt {attempt.attempt}: every check passed.")
    failed = [r for r in attempt.results if not r.passed]
    return rx.toast.warning(
        f"Attempt {attempt.attempt}: {len(failed)} of {len(attempt.results)} checks failed.",
        description="; ".join(f"{r.label}: {r.reason}" for r in failed),
        duration=8000,
    )
