"""What `workshop run` prints: what it is doing, then where to open the app.

Reflex's own chatter shows only when a build fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop_app import cli, serving
from workshop_app.settings import Settings

NOISE = (
    "import sys; print('Info: Failed to connect to https://mirror.invalid.'); "
    "print('Run `uv run reflex run` to start the app.'); "
    "print('Warning: Your version (20.20.2) of Node.js is out of date.', file=sys.stderr)"
)


@pytest.fixture
def build_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data directory; the build's work folder under it has no finished build."""
    monkeypatch.setattr(serving, "build_key", lambda *_args: "key")
    return tmp_path


def _log(data_dir: Path) -> Path:
    return serving.frontend_build(Settings(data_dir=data_dir), 3000, {}).log


def test_a_build_says_what_it_does_and_keeps_reflexs_output_in_its_log(
    build_dir: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(serving, "EXPORT_ARGS", ("-c", NOISE))
    cli.prepare_frontend(Settings(data_dir=build_dir), 3000, {})
    out, err = capfd.readouterr()
    assert out.splitlines()[0] == "Building the web interface (the first start takes a minute or two)..."
    assert out.splitlines()[1].startswith("Built in ")
    assert "Failed to connect" not in out + err and "reflex run" not in out + err and "Node.js" not in out + err
    assert "Failed to connect" in _log(build_dir).read_text()


def test_a_failed_build_shows_the_end_of_its_output(
    build_dir: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(serving, "EXPORT_ARGS", ("-c", NOISE + "; print('SyntaxError in pages/home.py'); sys.exit(1)"))
    assert cli.prepare_frontend(Settings(data_dir=build_dir), 3000, {}) is None
    _out, err = capfd.readouterr()
    assert "SyntaxError in pages/home.py" in err
    assert f"Error: the web interface could not be built (full output: {_log(build_dir)})." in err


def test_the_addresses_to_open_name_this_machine_and_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "lan_addresses", lambda: ["192.168.1.20"])
    lines = cli.address_lines(3000)
    assert "  on this machine:       http://localhost:3000" in lines
    assert "  attendees' devices:    http://192.168.1.20:3000" in lines
    monkeypatch.setattr(cli, "lan_addresses", lambda: [])
    assert any("only this machine can open it" in line for line in cli.address_lines(3000))
