"""An attendee defines tools, exports and re-imports them, and watches a model call them step by step."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.ollama_server import FakeOllama
from tests.support.received_frames import ReceivedFrames

pytestmark = pytest.mark.e2e

MODEL = "qwen2.5:0.5b"
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string", "description": "A city."}},
    "required": ["city"],
}


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def call(name: str, **arguments: object) -> dict[str, object]:
    return {"function": {"name": name, "arguments": arguments}}


def define_tools(page: Page, app_url: str, artifacts: Path) -> None:
    page.goto(f"{app_url}/tools")
    expect(page.get_by_text("No tools yet")).to_be_visible()

    page.locator("#new-tool").click()
    page.get_by_label("Name", exact=True).fill("get_weather")
    page.get_by_label("Description", exact=True).fill("Current weather in a city.")
    page.get_by_label("Response", exact=True).fill("It is sunny in {city}.")
    parameters = page.get_by_label("Parameters (JSON Schema)")
    parameters.fill('{"type": "object", "properties": {"city": ')
    feedback = page.locator("#schema-feedback")
    expect(feedback).to_have_attribute("data-valid", "false")
    expect(feedback).to_contain_text("The parameters are not valid JSON")
    page.screenshot(path=artifacts / "tools-schema-feedback.png")
    parameters.fill(json.dumps(WEATHER_SCHEMA, indent=2))
    expect(feedback).to_have_attribute("data-valid", "true")
    page.get_by_label("Response", exact=True).fill("It is sunny in {town}.")
    page.locator("#save-tool").click()
    expect(page.locator("#tool-problems")).to_contain_text(
        "The response uses town, which the parameters do not define."
    )
    page.get_by_label("Response", exact=True).fill("It is sunny in {city}.")
    page.locator("#save-tool").click()
    expect(page.locator(".tool-card")).to_have_count(1)

    page.locator("#new-tool").click()
    page.get_by_label("Name", exact=True).fill("calc")
    page.get_by_label("Description", exact=True).fill("Exact arithmetic, e.g. 17 * 23.")
    choose(page, "Kind", "Built-in")
    expect(page.get_by_text("Parameters (fixed by the built-in)")).to_be_visible()
    page.locator("#save-tool").click()
    expect(page.locator(".tool-card")).to_have_count(2)
    expect(page.locator('.tool-card[data-name="calc"]')).to_contain_text("built-in")
    page.screenshot(path=artifacts / "tools-defined.png", full_page=True)


def test_define_export_import_and_run_tools_with_a_trace(
    page: Page, app_url: str, fresh_fake: FakeOllama, artifacts: Path, tmp_path: Path
) -> None:
    frames = ReceivedFrames(page)  # before define_tools opens the page, and with it the socket
    define_tools(page, app_url, artifacts)

    with page.expect_download() as download:
        page.locator("#export-tools").click()
    exported = json.loads(Path(download.value.path()).read_text())
    assert [tool["name"] for tool in exported["tools"]] == ["calc", "get_weather"]

    page.locator("#import-tools").click()
    page.locator("#import-text").fill(json.dumps(exported))
    page.locator("#import-pasted").click()
    expect(page.locator("#import-problems")).to_contain_text(
        "You already have tools with some of these names: calc, get_weather."
    )
    exported["tools"][1]["name"] = "get_forecast"
    upload = tmp_path / "forecast.json"
    upload.write_text(json.dumps({**exported, "tools": exported["tools"][1:]}))
    page.locator("#tool-import-upload input[type=file]").set_input_files(upload)
    expect(page.locator(".tool-card")).to_have_count(3)
    forecast = page.locator('.tool-card[data-name="get_forecast"]')
    forecast.get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("get_forecast")
    page.get_by_label("Description", exact=True).fill("Tomorrow's weather in a city.")
    page.locator("#save-tool").click()
    expect(forecast).to_contain_text("Tomorrow's weather in a city.")
    forecast.get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.locator(".tool-card")).to_have_count(2)

    page.get_by_role("link", name="Tool playground").click()
    page.wait_for_url("**/tools/playground")
    choose(page, "Model", MODEL)
    for name in ("calc", "get_weather"):
        page.locator(".tool-choice").filter(has_text=name).get_by_role("checkbox").click()
    fresh_fake.config.token_delay = 0.25
    fresh_fake.script_chat(
        MODEL,
        [
            {"tool_calls": [call("calc", expr="17 * 23")]},  # the wrong argument name: answered with an error
            {"tool_calls": [call("calc", expression="17 * 23"), call("get_weather", city="Oslo")]},
            {"content": "17 × 23 is 391, and it is sunny in Oslo today."},
        ],
    )
    page.locator("#tool-message").fill("What is 17 × 23, and what is the weather in Oslo?")
    page.locator("#tool-message").press("Enter")

    steps = page.locator(".trace-step")
    expect(steps).to_have_count(3)
    expect(page.locator("#stop-tools")).to_be_visible()  # the steps show while the model is still answering
    page.screenshot(path=artifacts / "tools-trace-live.png", full_page=True)
    expect(page.locator("#send-tools")).to_be_visible(timeout=20_000)
    # the answer's text streamed on its own: the transcript, every question, call and result so far, was not sent
    # again with each piece (only the redraw that opened the answer's entry carries it)
    streaming = frames.until_filling("reply_text", 3)
    assert not [frame for frame in streaming[1:] if '"entries_rx_state_"' in frame]

    expect(steps.nth(0)).to_have_attribute("data-ok", "false")
    expect(steps.nth(0).locator(".trace-arguments")).to_have_text('{"expr": "17 * 23"}')
    expect(steps.nth(0).locator(".trace-error")).to_contain_text("'expression' is a required property")
    expect(steps.nth(1).locator(".trace-result")).to_have_text("391")
    expect(steps.nth(2).locator(".trace-tool")).to_have_text("get_weather")
    expect(steps.nth(2).locator(".trace-result")).to_have_text("It is sunny in Oslo.")
    for index in range(3):
        expect(steps.nth(index).locator(".trace-duration")).to_have_text(re.compile(r"^\d+(\.\d+)? ms$"))
    expect(page.locator(".assistant-message").last).to_have_text("17 × 23 is 391, and it is sunny in Oslo today.")
    page.screenshot(path=artifacts / "tools-trace-done.png", full_page=True)
