"""Translatable text for every layer: evaluated in the reader's language when rendered."""

from flask_babel import lazy_gettext

_ = lazy_gettext

__all__ = ["_"]
