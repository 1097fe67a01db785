"""The join link as a QR code: attendees point a phone's camera at the projector and land on the join form
with the code filled in. Drawn here as SVG (segno, pure Python), so it works offline and stays sharp at any size."""

from __future__ import annotations

import segno


def join_qr_data_uri(join_url: str) -> str:
    """An SVG QR code that reads as `join_url`, as a data: URI for an <img> (no markup from a string enters
    the page); empty for no link. Black on white with the quiet zone cameras need, and a viewBox but no fixed
    size, so the page sizes it."""
    if not join_url:
        return ""
    code = segno.make(join_url, error="m", micro=False)
    return code.svg_data_uri(dark="#000", light="#fff", border=4, omitsize=True, title=f"QR code: {join_url}")
