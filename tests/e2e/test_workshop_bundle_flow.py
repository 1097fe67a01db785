"""Workshop bundles in the browser: export a workshop as a file, import it as a new workshop with a new code."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.people import open_new_workshop_form

pytestmark = pytest.mark.e2e


def test_an_exported_bundle_imports_as_a_new_workshop_with_a_new_code(
    admin_page: Page, app_url: str, artifacts: Path, tmp_path: Path
) -> None:
    page = admin_page
    page.goto(f"{app_url}/workshop")
    open_new_workshop_form(page)
    page.get_by_label("Title").fill("Bundle day")
    page.get_by_label("Models attendees may use (comma-separated; empty = all)").fill("llama3.2:1b")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Bundle day")).to_be_visible()
    old_code = page.locator("#join-code").inner_text().strip()

    with page.expect_download() as download:
        page.locator("#export-bundle").click()
    bundle = tmp_path / download.value.suggested_filename
    download.value.save_as(bundle)
    assert bundle.name == "bundle-day.workshop.tar.gz"
    with tarfile.open(bundle) as archive:
        assert {"manifest.json", "workshop.json", "tools.json"} <= set(archive.getnames())

    page.locator("#bundle-upload input[type=file]").set_input_files(bundle)
    expect(page.get_by_text("Imported “Bundle day” with join code")).to_be_visible()
    expect(page.get_by_role("heading", name="Bundle day")).to_be_visible()
    expect(page.locator("#join-code")).not_to_have_text(old_code)  # the page shows the new workshop once it has it
    expect(page.get_by_text("Models: llama3.2:1b")).to_be_visible()
    page.screenshot(path=artifacts / "workshop-bundle-imported.png", full_page=True)

    damaged = tmp_path / "damaged.workshop.tar.gz"
    damaged.write_bytes(bundle.read_bytes()[:-100])
    page.locator("#bundle-upload input[type=file]").set_input_files(damaged)
    expect(page.get_by_text("damaged.workshop.tar.gz is damaged or not a workshop bundle")).to_be_visible()
