"""The model details page names each capability once (not "✓ tools" beside "tools")."""

from __future__ import annotations

from workshop_app.state.model_views import capability_flags


def test_each_capability_shows_once_with_whether_the_model_has_it() -> None:
    flags = [(flag.name, flag.on) for flag in capability_flags(["completion", "tools", "thinking"])]
    assert flags == [("completion", True), ("tools", True), ("vision", False), ("embedding", False), ("thinking", True)]
    assert len({name for name, _ in flags}) == len(flags)
