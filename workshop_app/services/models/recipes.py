"""The recipe rows of built models: what the catalog shows as a model's origin, and what a rebuild reads.

Kept apart from the builder (which talks to the hosts) so the catalog can read origins
without importing the code that changes hosts. A workshop's model list is kept in step:
a model built from a base the list allows is allowed too, and leaves the list when deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from workshop_app.db.engine import session_scope
from workshop_app.db.model_recipes import ModelRecipe
from workshop_app.db.model_requests import utcnow
from workshop_app.db.users import User
from workshop_app.db.workshops import Workshop
from workshop_app.services.accounts import actor_cache
from workshop_app.services.workshops.policy import Actor


@dataclass(frozen=True)
class Recipe:
    """A built model's recipe as the catalog, the builder form and the REST API show it."""

    name: str
    base: str
    system: str = ""
    template: str = ""
    parameters: dict[str, Any] | None = None
    messages: tuple[dict[str, str], ...] = ()
    author: str = ""
    creator_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base": self.base,
            "system": self.system,
            "template": self.template,
            "parameters": dict(self.parameters or {}),
            "messages": [dict(message) for message in self.messages],
            "author": self.author,
        }


def _recipe(row: ModelRecipe, author: str) -> Recipe:
    return Recipe(
        row.name,
        row.base,
        row.system,
        row.template,
        dict(row.parameters),
        tuple(row.messages),
        author,
        row.creator_id,
    )


def _authors(session: Session, rows: Iterable[ModelRecipe]) -> dict[int, str]:
    ids = {row.creator_id for row in rows}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all() if ids else []
    return {user.id: user.display_name or user.username for user in users if user.id is not None}


def all_recipes() -> dict[str, Recipe]:
    """Every built model's recipe by model name, with its author's name."""
    with session_scope() as session:
        rows = list(session.exec(select(ModelRecipe).order_by(col(ModelRecipe.name))).all())
        authors = _authors(session, rows)
        return {row.name: _recipe(row, authors.get(row.creator_id, "")) for row in rows}


def find_recipe(name: str) -> Recipe | None:
    return all_recipes().get(name)


def save_recipe(actor: Actor, recipe: Recipe) -> None:
    """Insert the recipe, or replace the one of the same name (an edit keeps its first author)."""
    with session_scope() as session:
        row = session.exec(select(ModelRecipe).where(ModelRecipe.name == recipe.name)).first()
        if row is None:
            row = ModelRecipe(name=recipe.name, base=recipe.base, creator_id=actor.id, workshop_id=actor.workshop_id)
        row.base, row.system, row.template = recipe.base, recipe.system, recipe.template
        row.parameters, row.messages = dict(recipe.parameters or {}), [dict(m) for m in recipe.messages]
        row.updated_at = utcnow()
        session.add(row)


def drop_recipe(name: str) -> None:
    with session_scope() as session:
        row = session.exec(select(ModelRecipe).where(ModelRecipe.name == name)).first()
        if row is not None:
            session.delete(row)


def _workshops_of(session: Session, actor: Actor) -> list[Workshop]:
    """The workshops whose model list a model built by `actor` joins: those they run, or the one they are in."""
    ids = set(actor.teaching) | ({actor.workshop_id} if actor.workshop_id is not None else set())
    if actor.is_admin:
        return list(session.exec(select(Workshop)).all())
    return list(session.exec(select(Workshop).where(col(Workshop.id).in_(ids))).all()) if ids else []


def allow_in_workshops(actor: Actor, name: str, base: str) -> list[int]:
    """Add `name` to the model lists (of `actor`'s workshops) that list its base; returns those workshops' ids."""
    changed = []
    with session_scope() as session:
        for workshop in _workshops_of(session, actor):
            models = list(workshop.allowed_models)
            if models and base in models and name not in models:
                workshop.allowed_models = [*models, name]
                session.add(workshop)
                changed.append(workshop.id)
    if changed:
        actor_cache.forget_everyone()  # attendees' lists come from their actor
    return [workshop_id for workshop_id in changed if workshop_id is not None]


def disallow_everywhere(name: str) -> None:
    """Take a deleted model off every workshop's list."""
    with session_scope() as session:
        for workshop in session.exec(select(Workshop)).all():
            if name in workshop.allowed_models:
                workshop.allowed_models = [model for model in workshop.allowed_models if model != name]
                session.add(workshop)
    actor_cache.forget_everyone()


def forget_built_model(name: str) -> None:
    """A built model that no host holds any more: its recipe and its place on workshops' lists go."""
    if find_recipe(name) is not None:
        drop_recipe(name)
        disallow_everywhere(name)
