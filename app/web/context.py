"""What the web layer hands to services: the session, the acting user, settings."""

from __future__ import annotations

from flask import current_app, flash, g
from markupsafe import Markup

from app.extensions import db
from app.services.invoice_input import InvoicePolicy
from app.storage import LocalFileStorage


def session():
    return db.session


def actor():
    return g.user


def invoice_policy() -> InvoicePolicy:
    return InvoicePolicy.from_config(current_app.config)


def file_storage() -> LocalFileStorage:
    return LocalFileStorage(current_app.config["FILE_STORAGE_DIR"])


def max_file_size() -> int:
    return current_app.config["MAX_FILE_SIZE"]


def say(message, category: str = "info") -> None:
    """Flash a message as text (or prepared Markup): user input inside it stays escaped."""
    flash(message if isinstance(message, Markup) else str(message), category)
