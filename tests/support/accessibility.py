"""What axe-core finds on a page that a screen reader or keyboard user would hit hardest."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# Moderate in axe's terms, but what a screen reader user navigates by: landmarks, and headings whose levels
# do not skip (an h3 right under the h1 reads as a part of something missing).
STRUCTURE_RULES = {"landmark-one-main", "region", "heading-order"}
# The file input inside Reflex's upload field is never reached by keyboard (tabindex -1); the drop zone around
# it, with its own text, is what a person uses.
NOT_CHECKED = {"exclude": [["input[type=file]"]]}
SETTLED = """() => Promise.all(document.getAnimations()
    .filter((animation) => animation.effect?.getTiming().iterations !== Infinity)
    .map((animation) => animation.finished.catch(() => null)))"""


def serious_problems(page: Page) -> list[str]:
    """Critical and serious violations, content outside landmarks, skipped heading levels and a page title that is not
    the page's one h1, each with where it is.

    Waits for the page's animations to end first: a dialog fading in or out has, for a moment, the
    contrast of nothing at all."""
    page.evaluate(SETTLED)
    results = Axe().run(page, context=NOT_CHECKED)
    titles = page.locator("h1:not([role=dialog] h1, [role=alertdialog] h1)").all_inner_texts()  # a dialog has its own
    outline = [] if len(titles) == 1 else [f"the page has {len(titles)} top-level (h1) headings, not one: {titles[:5]}"]
    return outline + [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + "; ".join(
            f"{node['target']}: {' '.join(node['failureSummary'].split())[:200]}" for node in violation["nodes"][:3]
        )
        for violation in results.response["violations"]
        if violation["impact"] in ("critical", "serious") or violation["id"] in STRUCTURE_RULES
    ]
