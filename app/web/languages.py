"""One language per person: the app's language switch also sets the language of their e-mail,
and signing in brings back the language they chose last (on any device)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, g, request, session
from flask_login import user_logged_in
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.services.inbox import language_of, remember_language

SWITCH_ENDPOINT = "LocaleView.index"
log = logging.getLogger(__name__)


def register(app) -> None:
    @app.after_request
    def back_to_the_same_page(response):
        if request.endpoint == SWITCH_ENDPOINT and response.status_code in (301, 302, 303):
            page = same_site_page(request.referrer, request.host)
            if page is not None:
                response.headers["Location"] = page
        return response

    @app.after_request
    def remember_the_switch(response):
        user = getattr(g, "user", None)
        if (
            request.endpoint == SWITCH_ENDPOINT
            and response.status_code in (301, 302, 303)
            and getattr(user, "is_authenticated", False)
        ):
            try:
                remember_language(
                    db.session, user, request.view_args["locale"], current_app.config["LANGUAGES"]
                )
            except SQLAlchemyError:  # the switch itself worked; the e-mail language waits
                log.warning("could not remember the language of user %s", user.id, exc_info=True)
        return response

    user_logged_in.connect(_restore_language, app)


def same_site_page(referrer: str | None, host: str) -> str | None:
    """The page a language switch came from, as a path on this site; None for another site,
    a missing referrer or the switch itself (FAB then goes to the start page)."""
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.scheme not in ("http", "https") or parts.netloc != host:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith(("//", "/lang/")):
        return None
    return f"{path}?{parts.query}" if parts.query else path


def _restore_language(app, user, **_extra) -> None:
    language = language_of(db.session, user)
    if language in app.config["LANGUAGES"]:
        session["locale"] = language
