"""A virtual X display (Debian's xvfb) and screenshots of it, for tests of real windows.

Xvfb keeps its screen in an XWD file when given -fbdir; `screenshot` converts that
to PNG with the standard library, so no image tool is needed.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

WIDTH, HEIGHT = 1280, 800


@dataclass(frozen=True)
class Display:
    name: str  # ":99", for DISPLAY
    framebuffer: Path


@contextmanager
def virtual_display() -> Iterator[Display]:
    binary = shutil.which("Xvfb")
    if binary is None:
        raise RuntimeError("Xvfb is not installed (Debian package: xvfb)")
    fbdir = Path(tempfile.mkdtemp(prefix="workshop-xvfb-"))
    number = _free_display_number()
    server = subprocess.Popen(
        [binary, f":{number}", "-screen", "0", f"{WIDTH}x{HEIGHT}x24", "-fbdir", str(fbdir), "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)
        yield Display(f":{number}", fbdir / "Xvfb_screen0")
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(fbdir, ignore_errors=True)


def _free_display_number() -> int:
    return next(
        n for n in range(90, 200) if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists()
    )


def screenshot(display: Display, target: Path) -> tuple[int, int, int]:
    """Save the screen as PNG; returns (width, height, distinct colours in a sample) for sanity checks."""
    data = display.framebuffer.read_bytes()
    order = ">" if struct.unpack_from(">I", data)[0] < 4096 else "<"
    fields = struct.unpack_from(order + "25I", data)
    header_size, width, height = fields[0], fields[4], fields[5]
    bits_per_pixel, bytes_per_line, ncolors = fields[11], fields[12], fields[19]
    if bits_per_pixel != 32:
        raise RuntimeError(f"unexpected {bits_per_pixel} bits per pixel")
    pixels = header_size + ncolors * 12
    rows = []
    for y in range(height):
        row = data[pixels + y * bytes_per_line : pixels + y * bytes_per_line + width * 4]
        rgb = bytearray(width * 3)
        rgb[0::3], rgb[1::3], rgb[2::3] = row[2::4], row[1::4], row[0::4]  # BGRX, little-endian pixels
        rows.append(b"\x00" + bytes(rgb))
    _write_png(target, width, height, b"".join(rows))
    sample = {rows[y][1 + x * 3 : 4 + x * 3] for y in range(0, height, 20) for x in range(0, width, 20)}
    return width, height, len(sample)


def _write_png(target: Path, width: int, height: int, raw: bytes) -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    target.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    )
