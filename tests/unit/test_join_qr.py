"""The QR code on the workshop page draws the join link with the code filled in, with a quiet zone."""

from __future__ import annotations

import re
from urllib.parse import unquote

import segno

from workshop_app.services.workshops.join_qr import join_qr_data_uri

LINK = "http://192.0.2.2:3000/join/blue-otter-42"


def _drawn(data_uri: str) -> tuple[int, set[tuple[int, int]]]:
    """The SVG's size in modules and its dark modules, read back from the path segno draws."""
    svg = unquote(data_uri.removeprefix("data:image/svg+xml;charset=utf-8,"))
    size = int(re.search(r"viewBox='0 0 (\d+) \d+'", svg).group(1))
    path = re.search(r"class='qrline' stroke='#000' d='([^']+)'", svg).group(1)
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark.update((int(x) + step, int(y)) for step in range(int(a)))
            x += float(a)
    return size, dark


def test_the_svg_draws_the_qr_code_of_the_join_link_inside_a_quiet_zone() -> None:
    size, dark = _drawn(join_qr_data_uri(LINK))
    matrix = segno.make(LINK, error="m", micro=False).matrix
    expected = {(col + 4, row + 4) for row, line in enumerate(matrix) for col, cell in enumerate(line) if cell}
    assert size == len(matrix) + 8
    assert dark == expected
    assert min(x for x, _ in dark) == 4 and max(x for x, _ in dark) == size - 5


def test_each_link_has_its_own_code_and_no_link_draws_nothing() -> None:
    assert _drawn(join_qr_data_uri(LINK))[1] != _drawn(join_qr_data_uri(LINK.replace("42", "43")))[1]
    assert "QR code: " + LINK in unquote(join_qr_data_uri(LINK))
    assert join_qr_data_uri("") == ""
