"""The app's icon at /favicon.ico, where browsers, bookmarks and other tools look for it even
when a page names no icon. Pages link it, and the SVG it is drawn from, in templates/layout.html;
frontend/favicon.py draws the files."""

from __future__ import annotations

from flask import Flask, current_app, send_from_directory

ENDPOINT = "favicon"
ICON_FILE = "favicon.ico"


def favicon():
    return send_from_directory(
        current_app.static_folder, ICON_FILE, mimetype="image/vnd.microsoft.icon"
    )


def register(app: Flask) -> None:
    app.add_url_rule("/favicon.ico", endpoint=ENDPOINT, view_func=favicon)
