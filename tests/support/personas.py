"""The people an authorization test tries every action as, in two workshops.

`peer` is an attendee of the first workshop and owns whatever is under test; the other
people are named by how they stand to that resource (see `PERSONAS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.accounts import actor_of, make_user
from workshop_app.db.users import Role
from workshop_app.db.workshops import Workshop
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.lifecycle import WorkshopDraft
from workshop_app.services.workshops.policy import Actor

PERSONAS = ("owner", "same_workshop_attendee", "other_workshop_attendee", "instructor", "admin", "anonymous")


@dataclass(frozen=True)
class Cast:
    """i1 runs `workshop` (peer and same_workshop_attendee are in it); i2 runs `other_workshop`."""

    people: dict[str, Actor]
    keys: dict[str, str]  # an API key of each person, by the same names
    workshop: Workshop
    other_workshop: Workshop


def build_cast() -> Cast:
    i1, i2 = make_user(Role.INSTRUCTOR, "inst-one"), make_user(Role.INSTRUCTOR, "inst-two")
    w1 = workshops.create_workshop(actor_of(i1), WorkshopDraft("Owned workshop"))
    w2 = workshops.create_workshop(actor_of(i2), WorkshopDraft("Other workshop"))
    accounts = {
        "i1": i1,
        "i2": i2,
        "peer": make_user(Role.ATTENDEE, "peer", workshop_id=w1.id),
        "same_workshop_attendee": make_user(Role.ATTENDEE, "member", workshop_id=w1.id),
        "other_workshop_attendee": make_user(Role.ATTENDEE, "outsider", workshop_id=w2.id),
        "admin": make_user(Role.ADMIN, "admin"),
    }
    people = {name: actor_of(user) for name, user in accounts.items()}
    keys = {name: create_api_key(actor, "matrix")[1] for name, actor in people.items()}
    return Cast(people, keys, w1, w2)
