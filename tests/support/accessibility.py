"""What axe-core finds on a page that a screen reader or keyboard user would hit hardest."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

LANDMARK_RULES = {"landmark-one-main", "region"}
# The file input inside Reflex's upload field is never reached by keyboard (tabindex -1); the drop zone around
# it, with its own text, is what a person uses.
NOT_CHECKED = {"exclude": [["input[type=file]"]]}
SETTLED = """() => Promise.all(document.getAnimations()
    .filter((animation) => animation.effect?.getTiming().iterations !== Infinity)
    .map((animation) => animation.finished.catch(() => null)))"""


def serious_problems(page: Page) -> list[str]:
    """Critical and serious violations, and content outside landmarks, each with where it is.

    Waits for the page's animations to end first: a dialog fading in or out has, for a moment, the
    contrast of nothing at all."""
    page.evaluate(SETTLED)
    results = Axe().run(page, context=NOT_CHECKED)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + "; ".join(
            f"{node['target']}: {' '.join(node['failureSummary'].split())[:200]}" for node in violation["nodes"][:3]
        )
        for violation in results.response["violations"]
        if violation["impact"] in ("critical", "serious") or violation["id"] in LANDMARK_RULES
    ]
