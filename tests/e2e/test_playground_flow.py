"""Kept chats with streaming and Stop, a failed reply retried, two models compared, a template run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.ollama_server import FakeOllama
from tests.support.people import session_cookies
from tests.support.playground_tab import PlaygroundTab
from tests.support.run_async import run_coroutine

pytestmark = pytest.mark.e2e

MODEL = "llama3.2:1b"


def _open_playground(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/playground")
    expect(page.locator("#model-select")).to_contain_text(MODEL)


def _send(page: Page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_label("Message").press("Enter")


def _compare(page: Page, app_url: str, prompt: str) -> None:
    """Ask the two fake models the prompt on the Compare page."""
    page.goto(f"{app_url}/compare")
    page.locator(".compare-model").filter(has_text="llama3.2:1b").click()
    page.locator(".compare-model").filter(has_text="qwen2.5:0.5b").click()
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.locator("#compare-run").click()


def test_a_streamed_reply_is_kept_and_stop_keeps_what_arrived(
    page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    fake_server.config.token_delay = 0.15
    fake_server.config.reply_tokens = 80
    _open_playground(page, app_url)
    _send(page, "Tell me about alpacas")

    reply = page.locator(".message-assistant").last
    expect(reply).to_contain_text("alpacas", timeout=10_000)
    first = len(reply.inner_text())
    time.sleep(1.0)
    assert len(reply.inner_text()) > first, "the reply grows while the model streams"
    page.locator("#stop-button").click()
    expect(reply.get_by_text("stopped")).to_be_visible()
    assert fake_server.stats.cancelled_streams >= 1, "Stop closed the request to Ollama"
    page.screenshot(path=artifacts / "playground-chat-stopped.png", full_page=True)

    page.reload()  # the chat and its partial reply were saved
    expect(page.locator(".chat-item").first).to_contain_text("Tell me about alpacas")
    expect(page.locator(".message-user")).to_contain_text("Tell me about alpacas")
    expect(page.locator(".message-assistant").last).to_contain_text("Echo: Tell me about alpacas")
    expect(page.locator(".message-assistant").last.get_by_text("stopped")).to_be_visible()


def test_a_reply_shows_timing_and_code_with_a_copy_button(
    page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    fake_server.script_chat(MODEL, [{"content": "Here it is:\n\n```python\nprint('hello llamas')\n```\n\nDone."}])
    _open_playground(page, app_url)
    _send(page, "Show me some code")
    reply = page.locator(".message-assistant").last
    expect(reply.locator(".reply-timing")).to_contain_text("TTFT")
    expect(reply.locator(".reply-timing")).to_contain_text("tokens/s")
    expect(reply.locator("code").filter(has_text="print('hello llamas')")).to_be_visible()
    expect(reply.get_by_role("button", name="Copy code")).to_be_visible()
    page.screenshot(path=artifacts / "playground-code-reply.png", full_page=True)


def test_a_failed_reply_is_kept_as_incomplete_and_retried(
    page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    fake_server.config.reply_tokens = 30
    fake_server.config.fault = "error_mid_stream"
    _open_playground(page, app_url)
    _send(page, "This one breaks")
    reply = page.locator(".message-assistant").last
    expect(reply).to_contain_text("incomplete")
    expect(reply).to_contain_text("Echo: This one")  # the part that arrived before the error
    page.screenshot(path=artifacts / "playground-incomplete.png", full_page=True)

    fake_server.config.fault = None
    page.locator("#retry-button").click()
    expect(page.locator(".message-assistant").last.locator(".reply-timing")).to_contain_text("tokens/s", timeout=10_000)
    expect(page.locator(".message-assistant")).to_have_count(1)
    expect(page.locator(".message-assistant").get_by_text("incomplete")).to_have_count(0)


def test_an_out_of_range_parameter_is_refused_with_a_message(page: Page, app_url: str, fake_server: FakeOllama) -> None:
    _open_playground(page, app_url)
    page.get_by_text("System prompt and parameters").click()
    page.locator("#param-temperature").fill("5")
    _send(page, "Too hot")
    expect(page.get_by_text("Temperature must be between 0 and 2.")).to_be_visible()
    expect(page.get_by_text("No chats yet")).to_be_visible()  # nothing was saved, so nothing was sent
    expect(page.locator(".message")).to_have_count(0)
    expect(page.get_by_label("Message")).to_have_value("Too hot")  # the draft is kept to fix and resend


def test_two_models_compared_side_by_side_and_one_answer_kept(
    page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    fake_server.config.token_delay = 0.02
    _compare(page, app_url, "Name three fruits")

    columns = page.locator(".compare-column")
    expect(columns).to_have_count(2)
    for index, model in enumerate(["llama3.2:1b", "qwen2.5:0.5b"]):
        expect(columns.nth(index)).to_contain_text(model)
        expect(columns.nth(index)).to_contain_text("Echo: Name three fruits", timeout=10_000)
        expect(columns.nth(index).locator(".reply-timing")).to_contain_text("tokens/s", timeout=10_000)
    assert fake_server.stats.requests.get("/api/chat", 0) == 2
    page.screenshot(path=artifacts / "compare-two-models.png", full_page=True)

    columns.nth(1).get_by_role("button", name="Continue with this answer").click()
    page.wait_for_url("**/playground")
    expect(page.locator(".message-user")).to_contain_text("Name three fruits")
    expect(page.locator(".message-assistant")).to_contain_text("Echo: Name three fruits")
    expect(page.locator("#model-select")).to_contain_text("qwen2.5:0.5b")


def test_a_comparison_streaming_in_one_tab_is_stopped_from_another_tab(
    page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    fake_server.config.token_delay = 0.15
    fake_server.config.reply_tokens = 200
    _compare(page, app_url, "Tell me about alpacas")
    columns = page.locator(".compare-column")
    expect(columns.nth(0)).to_contain_text("Echo: Tell me about alpacas", timeout=10_000)

    other = page.context.new_page()  # the same person, another tab
    other.set_default_timeout(15_000)
    other.goto(f"{app_url}/compare")
    expect(other.locator("#running-elsewhere")).to_be_visible()
    other.screenshot(path=artifacts / "compare-streaming-elsewhere.png", full_page=True)
    other.locator("#stop-elsewhere-button").click()

    expect(page.locator("#compare-run")).to_be_visible()  # the first tab's comparison ended, as with its own Stop
    for index in range(2):
        expect(columns.nth(index).get_by_text("stopped")).to_be_visible()
    expect(other.locator("#running-elsewhere")).to_be_hidden()
    assert fake_server.stats.cancelled_streams >= 1, "the requests to the models were closed"


def test_a_template_with_two_variables_is_filled_from_its_form_and_run(
    page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    page.goto(f"{app_url}/prompts")
    expect(page.get_by_text("No prompts yet")).to_be_visible()
    page.get_by_label("Name").fill("Explainer")
    page.get_by_label("Tags (comma-separated)").fill("teaching")
    page.locator("#prompt-body").fill("Explain {{topic}} to {{audience}} briefly.")
    page.locator("#save-prompt").click()

    form = page.locator("#variables-form")
    expect(form.get_by_label("topic")).to_be_visible()
    expect(form.get_by_label("audience")).to_be_visible()
    page.locator("#run-in-playground").click()
    expect(page.get_by_text("Fill in {{topic}}, {{audience}} first.")).to_be_visible()

    form.get_by_label("topic").fill("tides")
    form.get_by_label("audience").fill("children")
    page.locator("#prompt-body").fill("Explain {{topic}} to {{audience}} in one line.")
    page.locator("#save-prompt").click()
    expect(page.locator(".version-row")).to_have_count(2)
    page.screenshot(path=artifacts / "prompt-template-form.png", full_page=True)

    page.locator("#open-in-playground").click()
    page.wait_for_url("**/playground")
    expect(page.get_by_label("Message")).to_have_value("Explain tides to children in one line.")
    expect(page.locator(".message-assistant")).to_have_count(0)  # filled in, for editing first

    page.goto(f"{app_url}/prompts")
    page.locator("#run-in-playground").click()
    page.wait_for_url("**/playground")
    # Sent without pressing Enter:
    expect(page.locator(".message-user")).to_contain_text("Explain tides to children in one line.")
    expect(page.locator(".message-assistant").last).to_contain_text(
        "Echo: Explain tides to children in one line.", timeout=10_000
    )
    page.screenshot(path=artifacts / "prompt-template-run.png", full_page=True)


def test_a_reply_streaming_in_one_tab_is_stopped_from_another_tab(
    page: Page, app_url: str, fake_server: FakeOllama, artifacts: Path
) -> None:
    fake_server.config.token_delay = 0.15
    fake_server.config.reply_tokens = 200
    _open_playground(page, app_url)
    _send(page, "Tell me about vicunas")
    writing = page.locator(".message-assistant").last
    expect(writing).to_contain_text("vicunas", timeout=10_000)

    other = page.context.new_page()  # the same person, another tab
    other.set_default_timeout(15_000)
    _open_playground(other, app_url)
    other.locator(".chat-item .chat-title").first.click()
    expect(other.locator(".message-user")).to_contain_text("Tell me about vicunas")
    expect(other.locator("#running-elsewhere")).to_be_visible()
    other.screenshot(path=artifacts / "playground-writing-elsewhere.png", full_page=True)
    other.locator("#stop-elsewhere-button").click()

    expect(writing.get_by_text("stopped")).to_be_visible()  # the tab writing it ended, as with its own Stop
    expect(page.locator("#send-button")).to_be_visible()
    expect(other.locator("#running-elsewhere")).to_be_hidden()
    stopped = other.locator(".message-assistant").last
    expect(stopped.get_by_text("stopped")).to_be_visible()
    expect(stopped).to_contain_text("Echo: Tell me about vicunas")
    assert fake_server.stats.cancelled_streams >= 1, "the request to the model was closed"
    other.reload()
    expect(other.locator(".message-assistant").last.get_by_text("stopped")).to_be_visible()


def test_a_reply_another_tab_is_writing_shows_once_it_is_saved(
    page: Page, app_url: str, fake_server: FakeOllama
) -> None:
    fake_server.config.token_delay = 0.15
    fake_server.config.reply_tokens = 30
    _open_playground(page, app_url)
    _send(page, "Tell me about guanacos")
    expect(page.locator(".message-assistant").last).to_contain_text("guanacos", timeout=10_000)

    other = page.context.new_page()
    other.set_default_timeout(15_000)
    _open_playground(other, app_url)
    other.locator(".chat-item .chat-title").first.click()
    expect(other.locator("#running-elsewhere")).to_be_visible()
    expect(page.locator("#send-button")).to_be_visible()  # the first tab's reply ran to its end
    expect(other.locator("#running-elsewhere")).to_be_hidden()  # and the second shows it, without a reload
    expect(other.locator(".message-assistant").last).to_contain_text("Echo: Tell me about guanacos")
    expect(other.locator(".message-assistant").last.get_by_text("stopped")).to_have_count(0)


def test_a_reply_streaming_into_a_long_chat_redraws_the_reply_not_the_whole_chat(
    page: Page, app_url: str, fake_server: FakeOllama
) -> None:
    """While a reply streams, each redraw carries the reply so far; the chat's earlier turns reach the tab
    once the reply is saved, not several times a second (a cost that grew with the chat)."""
    fake_server.config.token_delay = 0.03
    session_token = session_cookies(page, present=True)[0]["value"]
    question = "Tell me about llamas and their wool, in detail. " * 20

    async def last_turn() -> PlaygroundTab:
        tab = PlaygroundTab(app_url, session_token, timeout_s=30)
        try:
            await tab.open(MODEL)
            for turn in range(4):
                await tab.chat(MODEL, f"{turn}: {question}")
            return tab
        finally:
            await tab.close()

    tab = run_coroutine(last_turn())
    streaming = [redraw for redraw in tab.redraws if redraw.get("reply_rx_state_", {}).get("content")]
    assert len(streaming) >= 2, tab.redraws  # the reply arrived over several redraws
    assert all("messages_rx_state_" not in redraw for redraw in streaming)
    assert streaming[-1]["reply_rx_state_"]["content"].startswith("Echo: 3:")
    saved = tab.messages
    assert len(saved) == 8 and saved[-1]["role"] == "assistant" and saved[-1]["id"]
    assert saved[-1]["content"].startswith(streaming[-1]["reply_rx_state_"]["content"])  # the rest came with it
