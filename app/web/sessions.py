"""Browser sessions and API tokens that end when they must (app/services/user_sessions.py).

Sign-in (the login form, or anything else calling Flask-Login's `login_user`) starts from an
empty session, so no CSRF secret or other data from before it (or from another user) is carried
into the signed-in session, and stamps it with the user's session generation and the time.
API tokens get the same stamp as claims; a token made from a refresh token keeps its sign-in's,
and a token of a user who owes a sign-in step (a new password, a second factor) is refused.
Each request compares the stamp with the generation loaded with the user (no extra query) and
with the idle and absolute limits: a refused browser is signed out and sent to the login page
with the reason, a refused token gets a 401. Signing out ends every session and token of the
user and empties this browser's session.
"""

from __future__ import annotations

import time

from flask import current_app, flash, g, jsonify, redirect, request, session
from flask_jwt_extended import get_jwt
from flask_login import current_user, user_logged_in, user_logged_out

from app.extensions import db
from app.i18n import _
from app.services.sign_in_rules import steps_for
from app.services.user_sessions import (
    ENDED,
    EXPIRED,
    SessionLimits,
    Stamp,
    generation_of,
    refusal,
    sign_out,
)

# What a browser session carries about itself (epoch seconds).
GENERATION_KEY = "_generation"
SIGNED_IN_KEY = "_signed_in_at"
SEEN_KEY = "_seen_at"
# Why a valid token is refused all the same: a sign-in step is due (403).
MUST_CHANGE_PASSWORD = "must_change_password"  # noqa: S105 - a reason
MUST_ENROL = "must_enrol"
# The same stamp in API tokens.
GENERATION_CLAIM = "gen"
SIGNED_IN_CLAIM = "signed_in_at"
# The last-seen stamp moves at most this often: the cookie is not rewritten on every request.
SEEN_RESOLUTION_SECONDS = 60
LANGUAGE_KEY = "locale"  # Flask-AppBuilder's
# Kept at sign-in: Flask-Login's own keys and the language the person at the browser chose.
KEPT_AT_SIGN_IN = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds", LANGUAGE_KEY)


def register(app) -> None:
    sm = app.appbuilder.sm
    sm.lm.user_loader(_session_user)
    sm.jwt_manager.user_lookup_loader(_token_user)
    sm.jwt_manager.user_lookup_error_loader(_refuse_token)
    sm.jwt_manager.additional_claims_loader(_token_claims)
    user_logged_in.connect(_start_session, app)
    user_logged_out.connect(_end_session, app)
    app.before_request(_sign_out_a_refused_browser)


def adopt_generation(generation: int) -> None:
    """Keep this browser signed in after its own request ended the user's sessions (e.g. a
    password change): call with what `end_sessions` returned, once that change is committed.
    Only this session is re-stamped; its sign-in time (the absolute limit) stays."""
    session[GENERATION_KEY] = generation


def refusal_message(reason: str):
    if reason == EXPIRED:
        return _("Your session has expired; please sign in again.")
    return _("You have been signed out; please sign in again.")


def _limits() -> SessionLimits:
    config = current_app.config
    return SessionLimits(
        idle_seconds=config["SESSION_IDLE_MINUTES"] * 60,
        max_seconds=config["SESSION_MAX_HOURS"] * 3600,
    )


def _generation_of_loaded(user) -> int | None:
    """The generation loaded with the user (None: no such active user)."""
    return getattr(user, "session_generation", None) if user is not None else None


# Browser sessions.


def _empty_session(keeping: tuple[str, ...] = ()) -> None:
    kept = {key: session[key] for key in keeping if key in session}
    session.clear()
    session.update(kept)


def _start_session(_app, user, **_extra) -> None:
    _empty_session(keeping=KEPT_AT_SIGN_IN)
    now = int(time.time())
    session[GENERATION_KEY] = generation_of(db.session, user.id)
    session[SIGNED_IN_KEY] = now
    session[SEEN_KEY] = now


def _end_session(_app, user, **_extra) -> None:
    if getattr(user, "is_authenticated", False):
        sign_out(db.session, user)
    session.clear()


def _session_user(user_id: str):
    """Flask-Login's loader: the signed-in user, or None when the session is refused."""
    user = current_app.appbuilder.sm.load_user(user_id)  # None: unknown or inactive
    now = time.time()
    stamp = Stamp(session.get(GENERATION_KEY), session.get(SIGNED_IN_KEY), session.get(SEEN_KEY, 0))
    reason = refusal(stamp, _generation_of_loaded(user), now, _limits())
    if reason is not None:
        _empty_session(keeping=(LANGUAGE_KEY,))  # the login page speaks the reader's language
        g.session_refused = reason
        return None
    if now - stamp.seen_at >= SEEN_RESOLUTION_SECONDS and not _in_background():
        session[SEEN_KEY] = int(now)
    return user


def _in_background() -> bool:
    """A page asking on its own (a discussion following new messages) is no sign that someone
    is at the browser: it keeps the session from idling out no longer than they would."""
    return request.headers.get("X-Background") == "poll"


def _sign_out_a_refused_browser():
    if "_user_id" not in session or (request.endpoint or "").rsplit(".", 1)[-1] == "static":
        return None
    if current_user.is_authenticated:  # loading the user checks the session (_session_user)
        return None
    reason = g.pop("session_refused", None)
    if reason is None or request.path.startswith("/api/"):
        return None  # an API call goes on signed out: its token decides
    flash(str(refusal_message(reason)), "warning")
    appbuilder = current_app.appbuilder
    auth_view = appbuilder.sm.auth_view.__class__.__name__
    if request.endpoint in (f"{auth_view}.login", f"{auth_view}.logout"):
        return None  # the login page shows the message; signing out is already done
    next_url = "" if request.method != "GET" else request.full_path.rstrip("?")
    return redirect(appbuilder.get_url_for_login_with(next_url))


# API tokens.


def _token_claims(identity) -> dict:
    """The stamp of a new token: its sign-in's when made from a refresh token, else now."""
    try:
        used = get_jwt()
    except RuntimeError:  # no token verified in this request: a sign-in
        used = {}
    if used.get("type") == "refresh":
        return {
            GENERATION_CLAIM: used.get(GENERATION_CLAIM),
            SIGNED_IN_CLAIM: used.get(SIGNED_IN_CLAIM),
        }
    return {
        GENERATION_CLAIM: generation_of(db.session, int(identity)),
        SIGNED_IN_CLAIM: int(time.time()),
    }


def _token_user(_header: dict, data: dict):
    """flask_jwt_extended's user lookup (access and refresh tokens alike): None refuses. A
    user who owes a sign-in step (a new password, setting up the second factor a role
    requires) is refused too, whenever the token was issued: the web sends them to do it."""
    user = current_app.appbuilder.sm.load_user(data["sub"])
    stamp = Stamp(data.get(GENERATION_CLAIM), data.get(SIGNED_IN_CLAIM))
    reason = refusal(stamp, _generation_of_loaded(user), time.time(), _limits())
    if reason is None:
        reason = _step_due(user)
    if reason is not None:
        g.token_refused = reason
        return None
    g.user = user  # as Flask-AppBuilder's own lookup does
    return user


def _step_due(user) -> str | None:
    steps = steps_for(db.session, user)
    if steps.must_change_password:
        return MUST_CHANGE_PASSWORD
    if steps.must_enrol:
        return MUST_ENROL
    return None


def _refuse_token(_header: dict, _data: dict):
    reason = g.pop("token_refused", None) or ENDED
    if reason == MUST_CHANGE_PASSWORD:
        message = _("Choose a new password first: sign in on the web page.")
    elif reason == MUST_ENROL:
        message = _("Your role requires a second factor: set it up on the web page first.")
    else:
        return jsonify(message=str(refusal_message(reason))), 401
    return jsonify(message=str(message)), 403
