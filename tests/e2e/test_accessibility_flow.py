"""Each page as a screen reader or keyboard user meets it: axe-core finds no critical or serious problem,
and the page's content sits in landmarks (one main region) a screen reader can jump between."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.ollama_server import FakeOllama
from tests.support.accessibility import serious_problems

pytestmark = pytest.mark.e2e

MODEL = "llama3.2:1b"
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


CODE_REPLY = """Here is one way:

```python
# count the llamas, then greet them
def greet(herd: list[str], times: int = 2) -> str:
    return f"Hello {len(herd)} llamas! " * times  # twice, to be sure
```

And the same call from the shell: `curl -s http://localhost:11434/api/tags`."""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_code_keeps_readable_colours_in_a_reply_and_in_a_models_details(
    admin_page: Page, app_url: str, fresh_fake: FakeOllama, scheme: str
) -> None:
    """Comments, strings, keywords and numbers in a code block are each coloured; each colour must still be
    readable against the block's background (4.5:1), in both colour modes."""
    admin_page.emulate_media(color_scheme=scheme)
    fresh_fake.script_chat(MODEL, [{"content": CODE_REPLY}])
    admin_page.goto(f"{app_url}/playground")
    expect(admin_page.locator("#model-select")).to_contain_text(MODEL)
    admin_page.get_by_label("Message").fill("How do I greet my llamas in Python?")
    admin_page.get_by_label("Message").press("Enter")
    reply = admin_page.locator(".message-assistant").last
    expect(reply.locator(".reply-timing")).to_contain_text("tokens/s")
    expect(reply.locator("pre code .token").first).to_be_visible()  # the highlighter coloured it
    found = {"the Playground's reply": serious_problems(admin_page)}

    admin_page.goto(f"{app_url}/model/{MODEL}")
    expect(admin_page.get_by_role("heading", name="Modelfile")).to_be_visible()
    expect(admin_page.locator("pre code .token").first).to_be_attached()
    found["the model's details"] = serious_problems(admin_page)
    assert not any(found.values()), "\n".join(
        f"{where}: {problem}" for where, listed in found.items() for problem in listed
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_toasts_keep_readable_colours(page: Page, app_url: str, scheme: str) -> None:
    """A refusal's toast (what happened, what to do next) and a confirmation's are read at a glance: their
    coloured text must reach 4.5:1 on the toast's tint."""
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{app_url}/admin")  # an attendee is sent on, with a toast that says why
    refusal = page.locator("[data-sonner-toast][data-type=error]")
    expect(refusal).to_contain_text("Managing accounts is for admins.")
    refusal.hover()
    found = {"a refusal": serious_problems(page)}

    page.goto(f"{app_url}/profile")
    page.get_by_label("Key name").fill("notebook")
    page.get_by_label("Key name").press("Enter")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page.get_by_role("button", name="Copy", exact=True).click()
    confirmation = page.locator("[data-sonner-toast][data-type=success]")
    expect(confirmation).to_contain_text("Copied to the clipboard.")
    confirmation.hover()  # a toast stays while the pointer is on it
    found["a confirmation"] = serious_problems(page)
    assert not any(found.values()), "\n".join(
        f"{where}: {problem}" for where, listed in found.items() for problem in listed
    )
