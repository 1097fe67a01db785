"""What the Tools pages display: tool summaries, built-in choices and trace steps as typed rows."""

from __future__ import annotations

import dataclasses
import json

from workshop_app.services.tools.forms import BuiltinChoice
from workshop_app.services.tools.loop import TraceStep
from workshop_app.services.tools.store import ToolSummary

KIND_LABELS = {"builtin": "built-in", "http": "HTTP", "mock": "mock"}


@dataclasses.dataclass
class ToolRow:
    id: int = 0
    name: str = ""
    description: str = ""
    kind: str = ""
    visibility: str = ""
    editable: bool = False


@dataclasses.dataclass
class BuiltinRow:
    key: str = ""
    title: str = ""
    description: str = ""
    parameters: str = ""
    needs_collection: bool = False


@dataclasses.dataclass
class TranscriptEntry:
    """A line of the tool playground: the person's question, the model's text, or one traced tool call."""

    kind: str = ""  # "user", "assistant", "step" or "note"
    text: str = ""
    round: int = 0
    tool: str = ""
    arguments: str = ""
    result: str = ""
    error: str = ""
    duration: str = ""


def tool_row(summary: ToolSummary) -> ToolRow:
    return ToolRow(
        summary.id,
        summary.name,
        summary.description,
        KIND_LABELS.get(summary.kind, summary.kind),
        summary.visibility,
        summary.editable,
    )


def builtin_row(choice: BuiltinChoice) -> BuiltinRow:
    return BuiltinRow(choice.key, choice.title, choice.description, choice.parameters, choice.needs_collection)


def step_entry(step: TraceStep) -> TranscriptEntry:
    return TranscriptEntry(
        kind="step",
        round=step.round,
        tool=step.tool,
        arguments=json.dumps(step.arguments, ensure_ascii=False),
        result=step.result,
        error=step.error,
        duration=f"{step.duration_ms:.0f} ms" if step.duration_ms >= 1 else f"{step.duration_ms:.2f} ms",
    )
