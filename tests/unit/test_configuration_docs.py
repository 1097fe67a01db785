"""docs/configuration.md is generated from the settings; a setting added without regenerating it fails here."""

from __future__ import annotations

from workshop_app.config_reference import DOC_PATH, render
from workshop_app.settings import ENV_PREFIX, Settings


def test_the_committed_reference_matches_the_settings() -> None:
    assert DOC_PATH.read_text() == render(), "docs/configuration.md is stale: run `workshop config-docs` and commit it"


def test_every_setting_is_documented_with_its_meaning() -> None:
    text = render()
    for name, field in Settings.model_fields.items():
        assert f"`{ENV_PREFIX}{name.upper()}`" in text
        assert field.description, f"{name} needs a description: it becomes the reference's 'meaning' column"
