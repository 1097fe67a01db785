"""Each page as a screen reader or keyboard user meets it: axe-core finds no critical or serious problem,
and the page's content sits in landmarks (one main region) a screen reader can jump between."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.accessibility import serious_problems

pytestmark = pytest.mark.e2e

SIGNED_OUT = ("/login", "/register", "/join", "/no-such-page")
SIGNED_IN = (
    "/playground",
    "/compare",
    "/prompts",
    "/tools",
    "/tools/playground",
    "/models",
    "/build-model",
    "/documents",
    "/collections",
    "/rag",
    "/evaluate",
    "/usage",
    "/profile",
    "/exercises",
    "/arena",
    "/workshop",
    "/dashboard",
    "/admin",
)


def test_the_ways_in_have_no_serious_accessibility_problem(anonymous_page: Page, app_url: str) -> None:
    found = {}
    for path in SIGNED_OUT:
        anonymous_page.goto(f"{app_url}{path}")
        expect(anonymous_page.get_by_role("heading", level=1)).to_be_visible()
        found[path] = serious_problems(anonymous_page)
    assert not any(found.values()), "\n".join(
        f"{path}: {problem}" for path, listed in found.items() for problem in listed
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_section_has_no_serious_accessibility_problem(admin_page: Page, app_url: str, scheme: str) -> None:
    admin_page.emulate_media(color_scheme=scheme)  # the app follows the system's light or dark setting
    found = {}
    for path in SIGNED_IN:
        admin_page.goto(f"{app_url}{path}")
        expect(admin_page.locator("#user-menu")).to_be_visible()
        admin_page.wait_for_timeout(500)  # the page's own data arrives after the shell
        if path == SIGNED_IN[0]:
            expect(admin_page.locator("html")).to_have_class(re.compile(rf"\b{scheme}\b"))
        found[path] = serious_problems(admin_page)
    assert not any(found.values()), "\n".join(
        f"{path}: {problem}" for path, listed in found.items() for problem in listed
    )
