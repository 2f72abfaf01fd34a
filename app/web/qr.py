"""QR codes as inline SVG (segno): no image request, nothing the page's CSP has to allow."""

from __future__ import annotations

import segno


def qr_svg(text: str, title: str) -> str:
    """An <svg> element drawing `text` as a QR code, black on white, about 200 px wide."""
    return segno.make(text, error="m").svg_inline(
        scale=5, border=2, dark="#000", light="#fff", title=title
    )
