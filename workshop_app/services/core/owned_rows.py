"""Reading owned rows through the policy: the list a person may see, and one row they may act on."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, select

from workshop_app.services.core.errors import NotFound
from workshop_app.services.workshops.policy import Action, Actor, allowed, require, require_actor

Row = TypeVar("Row", bound=Any)


def readable_rows(session: Session, actor: Actor | None, table: type[Row]) -> list[Row]:
    """Every row of `table` the actor may read, newest first."""
    actor = require_actor(actor)
    rows = session.exec(select(table).order_by(table.id.desc())).all()
    return [row for row in rows if allowed(actor, Action.READ, row)]


def owned_row(session: Session, actor: Actor | None, table: type[Row], row_id: int, action: Action, label: str) -> Row:
    """The row, after the policy allowed `action` on it; NotFound names it by `label`.

    Nobody signed in learns nothing, not even whether the row exists."""
    actor = require_actor(actor)
    row = session.get(table, row_id)
    if row is None:
        raise NotFound(f"{label} {row_id} does not exist.", hint=f"Reload the list of {label.lower()}s.")
    require(actor, action, row)
    return row
