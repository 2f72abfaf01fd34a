"""What the web layer hands to services: the session, the acting user, settings."""

from __future__ import annotations

from contextlib import contextmanager

from flask import current_app, flash, g
from markupsafe import Markup

from app.extensions import db
from app.services.invoice_input import InvoicePolicy
from app.storage import FileStorage, configured_storage
from app.web.date_input import reader_today


def session():
    return db.session


@contextmanager
def kept_after_commit():
    """What a service returns stays loaded after its commit: a response built from it needs
    no second read."""
    plain = db.session()
    previous = plain.expire_on_commit
    plain.expire_on_commit = False
    try:
        yield
    finally:
        plain.expire_on_commit = previous


def actor():
    return g.user


def invoice_policy() -> InvoicePolicy:
    return InvoicePolicy.from_config(current_app.config, reader_today())


def file_storage() -> FileStorage:
    return configured_storage(current_app)


def max_file_size() -> int:
    return current_app.config["MAX_FILE_SIZE"]


def bulk_max_tasks() -> int:
    return current_app.config["BULK_DECISION_MAX_TASKS"]


def say(message, category: str = "info") -> None:
    """Flash a message as text (or prepared Markup): user input inside it stays escaped."""
    flash(message if isinstance(message, Markup) else str(message), category)
