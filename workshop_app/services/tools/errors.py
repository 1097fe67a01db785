"""Errors of defining and running tools."""

from __future__ import annotations

from workshop_app.services.core.errors import InvalidInput


class InvalidDefinition(InvalidInput):
    """A tool definition that cannot be saved; `problems` lists every reason, one per line."""

    def __init__(self, problems: list[str], *, hint: str | None = None) -> None:
        super().__init__("; ".join(problems), hint=hint or "Fix the fields named and save again.")
        self.problems = problems


class ToolFailed(Exception):
    """A tool ran and failed; the message goes back to the model as the call's result."""
