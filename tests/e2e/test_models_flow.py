"""An admin manages models in the browser (pull with a live bar, load, unload, delete, details); attendees only look."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.ollama_server import FakeOllama
from tests.support.people import Person, sign_in

pytestmark = pytest.mark.e2e


def row(page: Page, model: str):
    return page.locator(f'.model-row[data-model="{model}"]')


def percent(page: Page) -> float:
    return float(page.locator(".pull-percent").first.inner_text().removesuffix(" %"))


def test_pull_shows_one_bar_to_100_percent_and_the_model_appears(
    admin_page: Page, app_url: str, fresh_fake: FakeOllama, artifacts: Path
) -> None:
    fresh_fake.config.pull_line_delay = 0.4
    (artifacts / "models-pull-running.png").unlink(missing_ok=True)
    admin_page.goto(f"{app_url}/models")
    expect(row(admin_page, "llama3.2:1b")).to_be_visible()
    expect(row(admin_page, "gemma3:1b")).to_have_count(0)

    admin_page.get_by_label("Model to pull").fill("gemma3:1b")
    admin_page.get_by_role("button", name="Pull").click()
    card = admin_page.locator(".pull-card").filter(has_text="gemma3:1b")
    expect(card).to_be_visible()
    readings: list[float] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and 100.0 not in readings:
        readings.append(percent(admin_page))
        if 20 < readings[-1] < 100 and not (artifacts / "models-pull-running.png").exists():
            admin_page.screenshot(path=artifacts / "models-pull-running.png", full_page=True)
        time.sleep(0.15)
    assert 100.0 in readings, f"the bar reaches 100 % (saw {readings})"
    assert any(0 < value < 100 for value in readings), f"the bar moves through the middle (saw {readings})"
    assert readings == sorted(readings), "the bar never goes back"
    expect(card.locator(".pull-state")).to_have_text("done")
    expect(row(admin_page, "gemma3:1b")).to_be_visible(timeout=10_000)
    admin_page.screenshot(path=artifacts / "models-pull-done.png", full_page=True)


def test_a_reloaded_page_and_another_browser_share_one_pull_and_cancel_it(
    admin_page: Page,
    app_url: str,
    fresh_fake: FakeOllama,
    admin: Person,
    open_page: Callable[[], Page],
    artifacts: Path,
) -> None:
    other = open_page()
    sign_in(other, app_url, admin)  # before the pull starts, so signing in does not eat into it
    fresh_fake.config.pull_line_delay = 1.5
    admin_page.goto(f"{app_url}/models")
    admin_page.get_by_label("Model to pull").fill("all-minilm")
    admin_page.get_by_role("button", name="Pull").click()
    card = admin_page.locator(".pull-card").filter(has_text="all-minilm")
    expect(card.locator(".pull-state")).to_have_text("running")
    admin_page.reload()
    expect(card.locator(".pull-state")).to_have_text("running")

    other.goto(f"{app_url}/models")
    other.get_by_label("Model to pull").fill("all-minilm")
    other.get_by_role("button", name="Pull").click()
    other_card = other.locator(".pull-card").filter(has_text="all-minilm")
    expect(other_card.locator(".pull-state")).to_have_text("running")
    assert fresh_fake.stats.requests["/api/pull"] == 1, "the reload and the other browser joined the one download"

    other_card.get_by_role("button", name="Cancel").click()
    expect(other_card.locator(".pull-state")).to_have_text("cancelled")
    expect(card.locator(".pull-state")).to_have_text("cancelled")
    admin_page.screenshot(path=artifacts / "models-pull-cancelled.png", full_page=True)
    expect(card.locator(".pull-status")).to_have_text("")  # how it ended is the badge, not a step it no longer runs
    card.get_by_role("button", name="Dismiss this card").click()
    expect(card).to_have_count(0)


def test_load_and_unload_change_what_the_row_shows(
    admin_page: Page, app_url: str, fresh_fake: FakeOllama, artifacts: Path
) -> None:
    admin_page.goto(f"{app_url}/models")
    qwen = row(admin_page, "qwen2.5:0.5b")
    expect(qwen.locator(".placement")).not_to_contain_text("loaded")
    qwen.locator(".load-button").click()
    expect(qwen.locator(".placement")).to_contain_text("loaded")
    expect(qwen.locator(".unload-button")).to_be_visible()
    admin_page.screenshot(path=artifacts / "models-loaded.png", full_page=True)
    qwen.locator(".unload-button").click()
    expect(qwen.locator(".load-button")).to_be_visible()
    expect(qwen.locator(".placement")).not_to_contain_text("loaded")
    admin_page.screenshot(path=artifacts / "models-unloaded.png", full_page=True)


def test_delete_asks_first(admin_page: Page, app_url: str, fresh_fake: FakeOllama) -> None:
    admin_page.goto(f"{app_url}/models")
    admin_page.get_by_label("Delete llava:7b").click()
    dialog = admin_page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Delete llava:7b?")
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    expect(row(admin_page, "llava:7b")).to_be_visible()
    admin_page.get_by_label("Delete llava:7b").click()
    admin_page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(row(admin_page, "llava:7b")).to_have_count(0)


def test_details_page_shows_the_show_data_and_recent_requests(
    admin_page: Page, app_url: str, fresh_fake: FakeOllama, artifacts: Path
) -> None:
    admin_page.goto(f"{app_url}/playground")
    expect(admin_page.locator("#model-select")).to_contain_text("llama3.2:1b")
    for text in ("Hello details", "And once more"):
        admin_page.get_by_label("Message", exact=True).fill(text)
        admin_page.get_by_label("Message", exact=True).press("Enter")
        expect(admin_page.locator(".message-assistant").last).to_contain_text(text)
        expect(admin_page.locator("#send-button")).to_be_visible()
    admin_page.goto(f"{app_url}/models")
    row(admin_page, "llama3.2:1b").get_by_role("link", name="llama3.2:1b").click()
    expect(admin_page).to_have_url(f"{app_url}/model/llama3.2:1b")
    expect(admin_page.locator("#model-name")).to_have_text("llama3.2:1b")
    expect(admin_page.get_by_text(fresh_fake.url).first).to_be_visible()
    expect(admin_page.get_by_role("heading", name="Template")).to_be_visible()
    expect(admin_page.locator("#capabilities .capability")).to_have_text(["completion", "tools", "vision", "embedding"])
    expect(admin_page.locator(".recharts-line-curve").first).to_be_visible()
    admin_page.screenshot(path=artifacts / "model-details.png", full_page=True)


def test_attendees_see_the_models_but_cannot_change_them(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/models")
    expect(row(page, "llama3.2:1b")).to_be_visible()
    expect(page.get_by_label("Model to pull")).to_have_count(0)
    expect(row(page, "llama3.2:1b").locator(".load-button")).to_have_count(0)
