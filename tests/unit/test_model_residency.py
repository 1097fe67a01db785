"""What the Models page says of a loaded model: memory, VRAM, context length and when it unloads (/api/ps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workshop_app.services.models.catalog import ModelSummary, Placement
from workshop_app.state.model_views import model_row, unloads_in

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
GB = 1024**3


def summary(*placements: Placement, built_from: str = "") -> ModelSummary:
    return ModelSummary(
        "pirate:v1",
        "llama",
        "1.2B",
        "Q8_0",
        GB,
        ("completion",),
        131_072,
        placements,
        built_from=built_from,
        built_by="Ada",
    )


def test_a_loaded_model_shows_memory_vram_context_and_expiry() -> None:
    expiry = (datetime.now(UTC) + timedelta(minutes=4, seconds=20)).isoformat()
    placement = Placement("http://a", True, True, int(1.5 * GB), int(1.5 * GB), expiry, 4096)
    shown = model_row(summary(placement)).placements[0].memory
    assert shown == "1.5 GB in memory · 1.5 GB VRAM (100%) · context 4,096 · unloads in 4 min"


def test_a_model_on_the_cpu_says_so() -> None:
    expiry = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
    shown = model_row(summary(Placement("http://a", True, True, GB, 0, expiry, 2048))).placements[0].memory
    assert shown.startswith("1.0 GB in memory · CPU only · context 2,048 · unloads in 30 min")


def test_expiry_in_words() -> None:
    assert unloads_in((NOW + timedelta(seconds=30)).isoformat(), NOW) == "unloads in under a minute"
    assert unloads_in((NOW - timedelta(seconds=1)).isoformat(), NOW) == "unloading now"
    assert unloads_in("2318-01-01T00:00:00+00:00", NOW) == "stays loaded"  # keep_alive -1
    assert unloads_in("", NOW) == ""


def test_a_model_on_disk_only_has_no_memory_line_and_a_built_one_names_base_and_author() -> None:
    row = model_row(summary(Placement("http://a", True), built_from="llama3.2:1b"))
    assert row.placements[0].memory == ""
    assert row.built == "built from llama3.2:1b by Ada"
