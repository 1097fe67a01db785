"""Render assets/icon.svg into the PNG sizes desktops ask for and assets/favicon.ico, with headless Chromium.

Run after changing the SVG: `.venv/bin/python scripts/render_icons.py` (needs Debian's `chromium`).
"""

from __future__ import annotations

import struct
import subprocess
import tempfile
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
PNG_SIZES = (48, 128, 256, 512)
FAVICON_SIZES = (16, 32, 48)


def render(size: int, target: Path) -> bytes:
    """The SVG drawn at `size` pixels square on a transparent background."""
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "icon.html"
        page.write_text(
            f'<html><body style="margin:0"><img src="{(ASSETS / "icon.svg").as_uri()}" width="{size}" height="{size}">'
        )
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--default-background-color=00000000", f"--window-size={size},{size}", f"--screenshot={target}",
             page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    return target.read_bytes()


def ico(images: dict[int, bytes]) -> bytes:
    """An .ico file holding PNG images (every browser and desktop reads PNG entries)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images.items():
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + entries + blobs


def main() -> None:
    for size in PNG_SIZES:
        render(size, ASSETS / f"icon-{size}.png")
    with tempfile.TemporaryDirectory() as scratch:
        small = {size: render(size, Path(scratch) / f"{size}.png") for size in FAVICON_SIZES}
    (ASSETS / "favicon.ico").write_bytes(ico(small))


if __name__ == "__main__":
    main()
