"""Building the frontend (every test run that starts the app does) leaves the tracked files as they are.

Reflex merges its own entries into .gitignore and writes reflex.lock/package.json back
from the build; both are kept in the form Reflex writes, so a build changes neither.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reflex.utils import frontend_skeleton

ROOT = Path(__file__).resolve().parents[2]


def test_reflex_finds_nothing_to_add_to_the_gitignore(tmp_path: Path) -> None:
    copy = tmp_path / ".gitignore"
    copy.write_text((ROOT / ".gitignore").read_text())
    frontend_skeleton.initialize_gitignore(copy)
    assert copy.read_text() == (ROOT / ".gitignore").read_text()


def test_the_kept_package_json_is_what_the_build_writes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert (ROOT / "reflex.lock" / "package.json").read_text() == frontend_skeleton._compile_package_json()
