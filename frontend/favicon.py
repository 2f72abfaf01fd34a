"""Draw the app's icons from app/web/static/favicon.svg: `make favicon` after changing the SVG.

Chromium (through Playwright) renders the SVG, so the PNGs look as the browser shows the SVG;
Pillow packs the renderings into favicon.ico (16, 32 and 48 px) for browsers and tools that ask
for /favicon.ico. The results are committed: serving them needs neither tool.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parents[1] / "app" / "web" / "static"
SVG = STATIC / "favicon.svg"
CHROMIUM = "/usr/bin/chromium"
# No network: the page is the SVG alone (and a closed network is not flooded with attempts).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ICO_SIZES = (16, 32, 48)
# iOS rounds the corners itself and shows transparency as black: a full square, in the icon's blue.
TOUCH_ICON_SIZE = 180
TOUCH_ICON_BACKGROUND = "#2a6ebb"


def render(page, size: int, background: str = "transparent") -> Image.Image:
    page.set_viewport_size({"width": size, "height": size})
    page.set_content(
        f'<body style="margin:0;background:{background}">'
        f'<img src="data:image/svg+xml;base64,{_base64(SVG.read_bytes())}" '
        f'width="{size}" height="{size}" style="display:block"></body>'
    )
    png = page.screenshot(omit_background=background == "transparent")
    return Image.open(io.BytesIO(png)).convert("RGBA")


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        icons = [render(page, size) for size in ICO_SIZES]
        touch_icon = render(page, TOUCH_ICON_SIZE, TOUCH_ICON_BACKGROUND)
        browser.close()
    largest = icons[-1]
    largest.save(
        STATIC / "favicon.ico",
        format="ICO",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=icons[:-1],
    )
    touch_icon.convert("RGB").save(STATIC / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
