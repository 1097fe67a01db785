"""The README tells a newcomer what each REST route needs before they try it."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_says_the_model_catalog_needs_an_api_key() -> None:
    text = README.read_text()
    where = text.index("`GET /api/models`")
    assert "API\nkey" in text[where : where + 200] or "API key" in text[where : where + 200]
