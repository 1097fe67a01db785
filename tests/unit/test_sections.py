"""Each role's own pages: the sidebar and the page guards ask the same service."""

from __future__ import annotations

import pytest

from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden, Unauthorized
from workshop_app.services.workshops.policy import Actor
from workshop_app.services.workshops.sections import closed_routes, require_section

ATTENDEE, INSTRUCTOR, ADMIN = Actor(1, Role.ATTENDEE), Actor(2, Role.INSTRUCTOR), Actor(3, Role.ADMIN)


def test_each_role_has_its_own_sections() -> None:
    assert closed_routes(ATTENDEE) == ["/workshop", "/dashboard", "/admin"]
    assert closed_routes(INSTRUCTOR) == ["/admin"]
    assert closed_routes(ADMIN) == []
    assert closed_routes(None) == ["/workshop", "/dashboard", "/admin"]


def test_a_page_of_another_role_refuses_with_a_reason() -> None:
    with pytest.raises(Forbidden, match="dashboard is for the instructors"):
        require_section(ATTENDEE, "/dashboard")
    with pytest.raises(Forbidden, match="for admins"):
        require_section(INSTRUCTOR, "/admin")
    with pytest.raises(Unauthorized):
        require_section(None, "/playground")
    assert require_section(ATTENDEE, "/playground") == ATTENDEE
    assert require_section(INSTRUCTOR, "/workshop") == INSTRUCTOR
