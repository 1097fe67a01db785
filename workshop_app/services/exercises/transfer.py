"""Exercises in the workshop bundle: written out with their start point named inside the bundle, read back checked.

A start point travels as the position of its prompt or RAG system in the bundle, or as its
tool's name, since ids mean nothing on the importing machine. Checks are validated against
what the bundle holds (its tools and documents) before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from workshop_app.db.exercises import Exercise
from workshop_app.services.exercises.authoring import MAX_TEXT_CHARS, MAX_TITLE_CHARS, StartKind
from workshop_app.services.exercises.checks import CheckKind, Known, checked_all


@dataclass(frozen=True)
class PlannedExercise:
    title: str
    instructions: str
    checks: list[dict[str, Any]]
    model_answer: str
    start_kind: str
    start_ref: Any  # prompt or RAG system position in the bundle, or the tool's name in it


def exercise_entries(
    session: Session,
    workshop_id: int,
    prompt_ids: Sequence[int | None],
    tool_names: dict[int | None, str],
    rag_ids: Sequence[int | None],
) -> list[dict[str, Any]]:
    """The workshop's exercises; a start point the bundle does not carry becomes an empty playground."""
    rows = session.exec(select(Exercise).where(Exercise.workshop_id == workshop_id).order_by(col(Exercise.id))).all()
    return [
        {
            "title": row.title,
            "instructions": row.instructions,
            "checks": row.checks,
            "model_answer": row.model_answer,
            **_start_entry(row, list(prompt_ids), tool_names, list(rag_ids)),
        }
        for row in rows
    ]


def _start_entry(
    row: Exercise, prompts: list[int | None], tools: dict[int | None, str], rags: list[int | None]
) -> dict[str, Any]:
    if row.start_kind == StartKind.PROMPT and row.start_id in prompts:
        return {"start": StartKind.PROMPT.value, "start_ref": prompts.index(row.start_id)}
    if row.start_kind == StartKind.TOOL and row.start_id in tools:
        return {"start": StartKind.TOOL.value, "start_ref": tools[row.start_id]}
    if row.start_kind == StartKind.RAG_SYSTEM and row.start_id in rags:
        return {"start": StartKind.RAG_SYSTEM.value, "start_ref": rags.index(row.start_id)}
    return {"start": StartKind.EMPTY.value, "start_ref": None}


def planned_exercises(
    entries: Sequence[dict[str, Any]], known: Known, prompts: int, rag_systems: int
) -> list[PlannedExercise]:
    """Every entry checked as if an instructor saved it (InvalidInput names the problem); nothing written."""
    planned = []
    for entry in entries:
        kind, ref = StartKind(entry.get("start", StartKind.EMPTY)), entry.get("start_ref")
        valid = {
            StartKind.EMPTY: True,
            StartKind.PROMPT: isinstance(ref, int) and 0 <= ref < prompts,
            StartKind.TOOL: ref in known.tools,
            StartKind.RAG_SYSTEM: isinstance(ref, int) and 0 <= ref < rag_systems,
        }[kind]
        title = str(entry["title"])[:MAX_TITLE_CHARS]
        if not valid or not title.strip():
            raise ValueError(f"exercise “{title}” starts from something the bundle does not hold")
        planned.append(
            PlannedExercise(
                title,
                str(entry.get("instructions", ""))[:MAX_TEXT_CHARS],
                checked_all(list(entry["checks"]), known),
                str(entry.get("model_answer", ""))[:MAX_TEXT_CHARS],
                kind.value,
                ref,
            )
        )
    return planned


def exercise_rows(
    planned: Sequence[PlannedExercise],
    workshop_id: int,
    creator_id: int,
    prompt_ids: Sequence[int],
    tool_ids: dict[str, int],
    rag_ids: Sequence[int],
    renamed_tools: dict[str, str],
) -> list[Exercise]:
    """The imported exercises, pointing at the imported prompts, tools (by their saved names) and RAG systems."""
    ids: dict[str, Any] = {
        StartKind.PROMPT: lambda ref: prompt_ids[ref],
        StartKind.TOOL: lambda ref: tool_ids[renamed_tools.get(str(ref), str(ref))],
        StartKind.RAG_SYSTEM: lambda ref: rag_ids[ref],
        StartKind.EMPTY: lambda _ref: None,
    }
    return [
        Exercise(
            workshop_id=workshop_id,
            creator_id=creator_id,
            title=exercise.title,
            instructions=exercise.instructions,
            checks=[_renamed(check, renamed_tools) for check in exercise.checks],
            model_answer=exercise.model_answer,
            start_kind=exercise.start_kind,
            start_id=ids[exercise.start_kind](exercise.start_ref),
        )
        for exercise in planned
    ]


def _renamed(check: dict[str, Any], renamed_tools: dict[str, str]) -> dict[str, Any]:
    if check["kind"] == CheckKind.TOOL_CALL and check["tool"] in renamed_tools:
        return {**check, "tool": renamed_tools[check["tool"]]}
    return check
