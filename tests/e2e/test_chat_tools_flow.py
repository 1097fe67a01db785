"""An attendee attaches a tool to a Playground chat, reads each call under the reply, and finds it after a reload."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.ollama_server import FakeOllama

pytestmark = pytest.mark.e2e

MODEL = "qwen2.5:0.5b"
NO_TOOLS_MODEL = "llava:7b"  # completion and vision only
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def call(name: str, **arguments: object) -> dict[str, object]:
    return {"function": {"name": name, "arguments": arguments}}


def choose_model(page: Page, name: str) -> None:
    page.locator("#model-select").click()
    page.get_by_role("option", name=name, exact=True).click()


def test_a_tool_attached_to_a_chat_runs_and_its_trace_is_kept(
    page: Page, app_url: str, fresh_fake: FakeOllama, artifacts: Path
) -> None:
    page.goto(f"{app_url}/tools")
    page.locator("#new-tool").click()
    page.get_by_label("Name", exact=True).fill("get_weather")
    page.get_by_label("Description", exact=True).fill("Current weather in a city.")
    page.get_by_label("Parameters (JSON Schema)").fill(json.dumps(WEATHER_SCHEMA))
    page.get_by_label("Response", exact=True).fill("It is sunny in {city}.")
    page.locator("#save-tool").click()
    expect(page.locator(".tool-card")).to_have_count(1)

    page.goto(f"{app_url}/playground")
    expect(page.locator("#model-select")).to_contain_text("llama3.2:1b")
    choose_model(page, MODEL)
    page.locator("#chat-tools").click()
    page.locator(".chat-tool-choice").filter(has_text="get_weather").get_by_role("checkbox").click()
    page.screenshot(path=artifacts / "chat-tools-picker.png")
    page.keyboard.press("Escape")
    expect(page.locator("#chat-tools")).to_have_text("Tools (1)")

    fresh_fake.config.token_delay = 0.1
    fresh_fake.script_chat(
        MODEL,
        [
            {"tool_calls": [call("get_weather", town="Oslo")]},  # wrong argument name: an error result for the model
            {"tool_calls": [call("get_weather", city="Oslo")]},
            {"content": "It is sunny in Oslo today."},
        ],
    )
    page.get_by_label("Message").fill("What is the weather in Oslo?")
    page.get_by_label("Message").press("Enter")

    reply = page.locator(".message-assistant").last
    steps = reply.locator(".trace-step")
    expect(steps).to_have_count(2)
    expect(reply).to_contain_text("It is sunny in Oslo today.", timeout=15_000)
    expect(page.locator("#send-button")).to_be_visible()
    page.screenshot(path=artifacts / "chat-tools-trace.png", full_page=True)

    page.reload()  # the steps were saved with the reply
    reply = page.locator(".message-assistant").last
    steps = reply.locator(".trace-step")
    expect(steps).to_have_count(2)
    expected = [
        ('{"town": "Oslo"}', "false", ".trace-error", "'city' is a required property"),
        ('{"city": "Oslo"}', "true", ".trace-result", "It is sunny in Oslo."),
    ]
    for step, (arguments, ok, outcome, text) in zip(steps.all(), expected, strict=True):
        expect(step).to_have_attribute("data-ok", ok)
        expect(step.locator(".trace-arguments")).to_have_text(arguments)
        expect(step.locator(outcome)).to_contain_text(text)
        expect(step.locator(".trace-duration")).to_have_text(re.compile(r"^\d+(\.\d+)? ms$"))
    expect(reply).to_contain_text("It is sunny in Oslo today.")
    expect(page.locator("#chat-tools")).to_have_text("Tools (1)")

    choose_model(page, NO_TOOLS_MODEL)
    expect(page.locator("#tools-refused")).to_contain_text("This model cannot call tools")
    page.locator("#message-input").fill("And tomorrow?")
    page.locator("#message-input").press("Enter")
    last = page.locator(".message-assistant").last
    expect(last).to_contain_text(f"{NO_TOOLS_MODEL} cannot call tools")
    expect(page.locator("#retry-button")).to_be_visible()
    page.screenshot(path=artifacts / "chat-tools-refused.png", full_page=True)
