"""The model builder on the built-in engine: a persona made from smollm2:135m in the browser, seen in the
catalog with its base and author, chatted with in the Playground; the engine honours few-shot examples."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import admin, admin_page, fresh_fake, open_page  # noqa: F401  (fixtures)
from tests.real_model.conftest import CHAT_MODEL
from tests.support.app_server import app_server
from tests.support.people import Person

pytestmark = [pytest.mark.real_model, pytest.mark.e2e]

REAL_MODEL_WAIT_MS = 240_000
"""A CPU shared with other work can slow the tiny model to a few tokens a second."""
SYSTEM = "You are Captain Byte, a pirate. Start every answer with Arr."


@pytest.fixture(scope="session")
def app_url(engine_url: str, session_dir: Path, artifacts: Path) -> Iterator[str]:
    """The app served by `workshop run`, with the session's engine as its only host."""
    with app_server(session_dir / "app-data-engine", engine_url, artifacts / "app-server-engine.log") as url:
        yield url


def toast(page: Page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def build_persona(page: Page, name: str) -> None:
    page.get_by_label("Name (name:tag)").fill(name)
    page.locator("#builder-base").click()
    page.get_by_role("option", name=CHAT_MODEL, exact=True).click()
    page.get_by_label("System prompt").fill(SYSTEM)
    page.locator("#builder-num_predict").fill("30")  # a short answer: the walk is about the flow
    page.locator("#builder-temperature").fill("0.2")
    page.get_by_role("button", name="Add an example").click()
    page.get_by_label("Example user message").fill("Hello!")
    page.get_by_label("Example answer").fill("Arr, ahoy there, matey!")
    page.locator("#build-model").click()


@pytest.fixture
def persona(engine_url: str) -> Iterator[str]:
    """A new persona's name; the model leaves the engine afterwards, so later walks find its models as before."""
    name = f"captain-{uuid.uuid4().hex[:6]}:v1"
    yield name
    httpx.request("DELETE", f"{engine_url}/api/delete", json={"model": name}, timeout=30)


def test_a_persona_is_built_seen_in_the_catalog_and_chatted_with(
    admin_page: Page, app_url: str, admin: Person, engine_url: str, artifacts: Path, persona: str
) -> None:
    page, name = admin_page, persona
    page.goto(f"{app_url}/models")
    page.get_by_role("link", name="Build a model").click()
    page.wait_for_url("**/build-model")
    build_persona(page, name)
    expect(toast(page, f"{name} is ready on 1 host")).to_be_visible(timeout=60_000)
    card = page.locator(f'.built-model[data-model="{name}"]')
    expect(card).to_contain_text(f"from {CHAT_MODEL} · by {admin.display_name}")
    expect(card).to_contain_text("1 example(s)")
    page.screenshot(path=artifacts / "model-builder-laptop.png", full_page=True)

    shown = httpx.post(f"{engine_url}/api/show", json={"model": name}, timeout=10).json()
    assert shown["system"] == SYSTEM
    assert shown["messages"] == [
        {"role": "user", "content": "Hello!"},
        {"role": "assistant", "content": "Arr, ahoy there, matey!"},
    ]

    page.locator("#build-model").click()  # saving the model being edited asks before replacing it
    expect(page.get_by_role("alertdialog")).to_contain_text(f"Replace {name}?")
    page.get_by_role("button", name="Keep the old one").click()
    page.get_by_role("button", name="New model").click()  # the same name as a new model: refused
    expect(page.get_by_role("heading", name="New model")).to_be_visible()  # the cleared form is drawn: typing
    expect(page.get_by_label("Name (name:tag)")).to_have_value("")  # before it would be wiped by the redraw
    page.get_by_label("Name (name:tag)").fill(name)
    page.locator("#builder-base").click()
    page.get_by_role("option", name=CHAT_MODEL, exact=True).click()
    page.locator("#build-model").click()
    expect(toast(page, f"A model named {name} already exists.")).to_be_visible(timeout=30_000)  # asks the hosts first

    page.goto(f"{app_url}/models")
    row = page.locator(f'.model-row[data-model="{name}"]')
    expect(row).to_contain_text(f"built from {CHAT_MODEL} by {admin.display_name}")

    page.goto(f"{app_url}/playground")
    page.locator("#model-select").click()
    page.get_by_role("option", name=name, exact=True).click()
    page.get_by_label("Message").fill("Who are you?")
    page.get_by_label("Message").press("Enter")
    reply = page.locator(".message-assistant").last
    expect(reply.locator(".reply-timing")).to_contain_text("tokens/s", timeout=REAL_MODEL_WAIT_MS)
    assert reply.inner_text().strip(), "the built model answered"

    page.goto(f"{app_url}/models")
    expect(row.locator(".residency")).to_contain_text("in memory")
    expect(row.locator(".residency")).to_contain_text("unloads in")
    page.screenshot(path=artifacts / "model-builder-models.png", full_page=True)
    page.goto(f"{app_url}/model/{name}")
    expect(page.locator("#built-from")).to_contain_text(f"built from {CHAT_MODEL}")
    expect(page.locator("#capabilities")).to_contain_text("completion")
    expect(page.locator("#in-memory")).to_contain_text("context")
    expect(page.get_by_text(SYSTEM).first).to_be_visible()  # its own show data, not its base's
    expect(page.get_by_text("assistant: Arr, ahoy there, matey!")).to_be_visible()
    page.screenshot(path=artifacts / "model-builder-details.png", full_page=True)

    page.set_viewport_size({"width": 420, "height": 900})
    page.goto(f"{app_url}/build-model")
    expect(card).to_be_visible()
    page.screenshot(path=artifacts / "model-builder-phone.png", full_page=True)


def test_the_engine_puts_few_shot_examples_before_the_chat(engine_url: str) -> None:
    """The same question costs more prompt tokens on a model with examples than on its base."""
    name = f"fewshot-{uuid.uuid4().hex[:6]}:v1"
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Arr, ahoy there, matey!"}]
    made = httpx.post(
        f"{engine_url}/api/create",
        json={"model": name, "from": CHAT_MODEL, "messages": messages, "stream": False},
        timeout=60,
    )
    assert made.status_code == 200, made.text
    try:
        digests = {m["name"]: m["digest"] for m in httpx.get(f"{engine_url}/api/tags", timeout=10).json()["models"]}
        assert digests[name] != digests[CHAT_MODEL], "a created model has its own digest, as in Ollama"
        shown = httpx.post(f"{engine_url}/api/show", json={"model": name}, timeout=10).json()
        assert 'MESSAGE assistant """Arr, ahoy there, matey!"""' in shown["modelfile"]
        counts = []
        for model in (CHAT_MODEL, name):
            answer = httpx.post(
                f"{engine_url}/api/chat",
                json={
                    "model": model,
                    "messages": [{"role": "user", "content": "Who are you?"}],
                    "stream": False,
                    "options": {"num_predict": 1},
                },
                timeout=240,
            )
            counts.append(answer.json()["prompt_eval_count"])
        assert counts[1] > counts[0] + 8, counts
    finally:
        httpx.request("DELETE", f"{engine_url}/api/delete", json={"model": name}, timeout=30)
