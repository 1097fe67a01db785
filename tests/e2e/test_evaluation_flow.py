"""An attendee measures retrieval: a question set refused for a document the collection lacks, then
saved, run (recall@k, MRR, per-question ranks) and compared with other settings in a chart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_rag_flow import UPLOAD_INPUT, _until, choose, visit
from tests.support.collections import CORPUS, QUESTIONS

pytestmark = pytest.mark.e2e


def _collection_of_the_corpus(page: Page, app_url: str) -> None:
    visit(page, f"{app_url}/documents")
    files = [{"name": name, "mimeType": "text/plain", "buffer": data} for name, data in CORPUS.items()]
    page.locator(UPLOAD_INPUT).set_input_files(files)
    page.locator("#upload-button").click()
    expect(page.locator('.upload-result[data-ok="yes"]')).to_have_count(len(CORPUS))
    visit(page, f"{app_url}/collections")
    page.locator("#new-collection").click()
    page.get_by_label("Name").fill("Quiz corpus")
    choose(page, "Embedding model", "nomic-embed-text:latest")
    page.get_by_label("Chunk size").fill("200")
    page.get_by_label("Overlap").fill("20")
    page.locator("#create-collection").click()
    for title in CORPUS:
        page.get_by_role("checkbox", name=title).click()
    page.locator("#embed-documents").click()
    expect(page.locator(".embedding-job").first).to_have_attribute("data-status", "done", timeout=20_000)


def _right_edge(locator: Locator) -> float:
    box = locator.bounding_box()
    return box["x"] + box["width"] if box else float("inf")


def test_write_run_and_compare_a_question_set(page: Page, app_url: str, artifacts: Path) -> None:
    _collection_of_the_corpus(page, app_url)
    page.get_by_role("link", name="Measure how well it retrieves").click()
    expect(page).to_have_url(re.compile(r"/evaluate\?collection=\d+"))
    expect(page.locator("#user-menu")).to_be_visible()
    expect(page.locator("#evaluate-collection")).to_contain_text("Quiz corpus")
    expect(page.get_by_text("No question sets for this collection yet")).to_be_visible()

    page.locator("#new-question-set").click()
    page.get_by_label("Name").fill("Corpus quiz")
    page.locator("#question-lines").fill("What makes a cat purr? | cats.txt")
    page.locator("#save-question-set").click()
    expect(page.get_by_text("Line 1 names “cats.txt”, which is not a document of this collection.")).to_be_visible()
    expect(page.locator("[data-description]", has_text="Its documents: llamas.md")).to_be_visible()
    page.locator("#question-lines").fill("\n".join(f"{q} | {title}" for q, title in QUESTIONS.items()))
    page.locator("#save-question-set").click()
    expect(page.locator(".question-set-item")).to_have_count(1)
    expect(page.locator(".question-set-item")).to_contain_text("4 questions · k = 3")

    page.locator("#run-question-set").click()
    expect(page.locator("#run-figures")).to_contain_text(re.compile(r"recall@k\s*1\.00"))
    expect(page.locator("#run-figures")).to_contain_text("4 of 4 found in the top 3")
    expect(page.locator(".outcome-row")).to_have_count(len(QUESTIONS))
    expect(page.locator(".outcome-row").first).to_contain_text("rank 1")
    expect(page.locator(".outcome-row").first).to_contain_text("1. llamas.md #1 ✓")

    page.locator("#compare-sizes").fill("40")
    page.locator("#compare-ks").fill("1")
    page.locator("#compare-settings").click()
    chart = page.locator("#settings-chart")
    expect(chart.locator(".recharts-bar-rectangle").first).to_be_visible(timeout=20_000)
    expect(chart).to_contain_text("as built")
    expect(chart).to_contain_text("40 chars")
    expect(chart).to_contain_text("top 1")
    page.screenshot(path=artifacts / "evaluation-laptop.png", full_page=True)
    page.set_viewport_size({"width": 420, "height": 900})
    last_bar = chart.locator(".recharts-bar-rectangle").last
    _until(lambda: _right_edge(last_bar) <= 420, "the chart shrinks to the phone's width with every bar on screen")
    page.screenshot(path=artifacts / "evaluation-phone.png", full_page=True)
