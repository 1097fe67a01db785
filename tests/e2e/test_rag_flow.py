"""A signed-in attendee grounds a model in their own files: upload, embed with a progress bar, search, ask, inspect."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.ollama_server import FakeOllama
from tests.support.accessibility import serious_problems
from tests.support.collections import CORPUS
from tests.support.received_frames import ReceivedFrames

pytestmark = pytest.mark.e2e

UPLOAD_INPUT = "#documents-upload input[type=file]"


def visit(page: Page, url: str) -> None:
    """Open a page and wait until it is live (its on_load ran over the websocket)."""
    page.goto(url)
    expect(page.locator("#user-menu")).to_be_visible()


def _until(condition: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition(), what


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_label(label).click()
    page.get_by_role("option", name=option).click()


def test_upload_embed_search_ask_and_inspect(
    page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    visit(page, f"{app_url}/documents")
    expect(page.get_by_text("No documents yet")).to_be_visible()
    page.locator(UPLOAD_INPUT).set_input_files(
        [
            {"name": "llamas.md", "mimeType": "text/markdown", "buffer": CORPUS["llamas.md"]},
            {"name": "volcanoes.txt", "mimeType": "text/plain", "buffer": CORPUS["volcanoes.txt"]},
            {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""},
        ]
    )
    page.locator("#upload-button").click()
    expect(page.locator('.upload-result[data-ok="yes"]')).to_have_count(2)
    expect(page.locator('.upload-result[data-ok="no"]')).to_have_text(re.compile("empty.txt.*the file is empty"))
    expect(page.locator(".document-row")).to_have_count(2)
    page.screenshot(path=artifacts / "rag-documents-uploaded.png", full_page=True)

    page.locator(".document-row").filter(has_text="llamas.md").get_by_role("button", name="Preview").click()
    page.get_by_role("tab", name="Chunks").click()
    expect(page.locator(".chunk-preview").first).to_contain_text("Llamas are domesticated")
    page.screenshot(path=artifacts / "rag-chunk-preview.png")
    page.keyboard.press("Escape")

    visit(page, f"{app_url}/collections")
    expect(page.get_by_text("No collections yet")).to_be_visible()
    page.locator("#new-collection").click()
    expect(page.get_by_label("Name")).to_be_visible()
    assert serious_problems(page) == [], "the new-collection form, as a screen reader meets it"
    page.get_by_label("Name").fill("Field notes")
    choose(page, "Embedding model", "nomic-embed-text:latest")
    page.get_by_label("Chunk size").fill("120")
    page.get_by_label("Overlap").fill("10")
    page.locator("#create-collection").click()
    expect(page.locator(".collection-item")).to_have_count(1)

    for title in ("llamas.md", "volcanoes.txt"):
        page.get_by_role("checkbox", name=title).click()
    page.locator("#embed-documents").click()
    job = page.locator(".embedding-job").first
    expect(job).to_have_attribute("data-status", "done", timeout=20_000)
    expect(job).to_contain_text(re.compile(r"(\d+) / \1 chunks"))
    expect(job.get_by_role("progressbar")).to_be_visible()
    page.screenshot(path=artifacts / "rag-collection-embedded.png", full_page=True)
    visit(page, f"{app_url}/collections")  # jobs live on the server: a reloaded page finds them again
    expect(page.locator(".embedding-job").first).to_have_attribute("data-status", "done")

    page.locator("#search-query").fill("What can a llama carry as a pack animal?")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".chunk-card").first).to_contain_text("llamas.md")
    chart = page.locator(".embedding-map")
    for series in ("llamas.md", "volcanoes.txt", "your query"):
        expect(chart.locator(".recharts-legend-item").filter(has_text=series)).to_be_visible()
    expect(chart.locator(".recharts-scatter-symbol").nth(2)).to_be_visible()  # chunks of both documents plus the query
    page.screenshot(path=artifacts / "rag-search-and-map.png", full_page=True)

    frames = ReceivedFrames(page)  # the RAG page's socket opens with the next visit
    visit(page, f"{app_url}/rag")
    page.locator("#new-rag-system").click()
    page.get_by_label("Name").fill("Field guide")
    choose(page, "Chat model", "llama3.2:1b")
    page.get_by_role("checkbox", name="Field notes").click()
    page.locator("#create-rag-system").click()
    expect(page.locator(".rag-system-item")).to_have_count(1)

    page.locator("#rag-question").fill("What can a llama carry as a pack animal?")
    page.locator("#rag-ask").click()
    answer = page.locator(".rag-answer").last
    expect(answer).to_have_attribute("data-status", "done", timeout=20_000)
    expect(answer.locator(".citation").first).to_contain_text("[1] llamas.md")

    assert serious_problems(page) == [], "an answer with its citations, as a screen reader meets it"
    answer.locator(".citation").first.click()
    expect(page.locator(".citation-dialog")).to_contain_text("Andean people use a llama as a pack animal")
    page.screenshot(path=artifacts / "rag-citation.png")
    page.keyboard.press("Escape")

    answer.locator(".open-inspector").click()
    inspector = page.locator(".inspector-dialog")
    expect(inspector).to_contain_text("Exact prompt sent")
    expect(inspector).to_contain_text("Question: What can a llama carry as a pack animal?")
    expect(inspector).to_contain_text(re.compile(r"of num_ctx 4,096"))
    page.screenshot(path=artifacts / "rag-inspector.png")
    page.keyboard.press("Escape")

    fake_server.config.token_delay, fake_server.config.reply_tokens = 0.2, 400
    page.locator("#rag-question").fill("Why do volcanoes erupt?")
    # the first answer's last redraws (its text, then the answer settled in the history) are not this one's
    frames.forget()
    page.locator("#rag-ask").click()
    _until(lambda: fake_server.stats.active_streams == 1, "the chat request to Ollama is open before Stop")
    streaming = frames.until_filling("answer_text", 4)
    # the answer's text streams on its own: the history, every answer with its chunks and exact prompt, is not
    # sent again with each piece (only the first redraw may also open the answer in the history)
    assert not [frame for frame in streaming[1:] if '"answers_rx_state_"' in frame]
    page.get_by_role("button", name="Stop").click()
    expect(page.locator(".rag-answer").last).to_have_attribute("data-status", "stopped")
    expect(page.locator("#rag-ask")).to_be_enabled()
    _until(lambda: fake_server.stats.cancelled_streams == 1, "Stop closed the request to Ollama")

    visit(page, f"{app_url}/rag")  # a reload keeps both questions, their sources and inspector data
    kept = page.locator(".rag-answer")
    expect(kept).to_have_count(2)
    expect(kept.first).to_have_attribute("data-status", "done")
    expect(kept.first.locator(".citation").first).to_contain_text("[1] llamas.md")
    expect(kept.last).to_have_attribute("data-status", "stopped")
    expect(kept.last.get_by_text("stopped", exact=True)).to_be_visible()
    expect(page.get_by_text("Why do volcanoes erupt?", exact=True)).to_be_visible()
    kept.first.locator(".open-inspector").click()
    expect(page.locator(".inspector-dialog")).to_contain_text("Question: What can a llama carry as a pack animal?")
    page.keyboard.press("Escape")
    expect(page.locator(".inspector-dialog")).to_be_hidden()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path=artifacts / "rag-history-laptop.png")
    page.set_viewport_size({"width": 420, "height": 860})
    page.screenshot(path=artifacts / "rag-history-phone.png", full_page=True)

    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator("#rag-question").fill("Where do llamas live?")
    page.locator("#rag-ask").click()
    _until(lambda: fake_server.stats.active_streams == 1, "the answer streams in the first tab")
    other = page.context.new_page()  # the same person, another tab
    other.set_default_timeout(15_000)
    visit(other, f"{app_url}/rag")
    expect(other.locator("#running-elsewhere")).to_be_visible()
    other.screenshot(path=artifacts / "rag-answer-streaming-elsewhere.png", full_page=True)
    other.locator("#stop-elsewhere-button").click()
    expect(page.locator(".rag-answer").last).to_have_attribute("data-status", "stopped")  # as with its own Stop
    expect(page.locator("#rag-ask")).to_be_enabled()
    _until(lambda: fake_server.stats.cancelled_streams == 2, "the stop closed the request to Ollama")
    expect(other.locator("#running-elsewhere")).to_be_hidden()
    expect(other.locator(".rag-answer")).to_have_count(3)  # the second tab shows it as it was kept
    expect(other.locator(".rag-answer").last).to_have_attribute("data-status", "stopped")
