"""Signing in on the web: the password, then a second-factor code for those who have one; then,
before any other page, a new password or setting up a second factor where that is due."""

from __future__ import annotations

import math
import time

from flask import current_app, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.utils.base import get_safe_redirect
from flask_login import current_user, login_user

from app.errors import ServiceUnavailableError
from app.i18n import _
from app.models.base import utcnow
from app.services import sign_in_rules
from app.services.second_factor import Lockout, check_sign_in_code
from app.web import context
from app.web.context import say
from app.web.sessions import adopt_generation

# The signed session cookie holds who passed the password step, until when, and where to go.
PENDING = "second_factor_pending"


def password_login(view, authenticate):
    """A sign-in form with a password (the app's own, LDAP's, the break-glass one): refused
    with 429 while the account or address is over its limits; `authenticate(name, password)`
    counts its failures."""
    if request.method == "POST":
        wait = view.appbuilder.sm.login_retry_after(request.form.get("username", ""))
        if wait:
            say(too_many_failures(wait), "warning")
            page = _login_page(view, LoginForm_db())
            return page, 429, {"Retry-After": str(wait)}
    return password_step(view, authenticate)


def password_step(view, authenticate=None):
    """Flask-AppBuilder's login (AuthDBView.login), except that a user with a second factor is
    not signed in yet: the code page comes first."""
    if g.user is not None and g.user.is_authenticated:
        return redirect(view._get_safe_next_url())
    form = LoginForm_db()
    if form.validate_on_submit():
        next_url = get_safe_redirect(request.args.get("next", ""))
        authenticate = authenticate or view.appbuilder.sm.auth_user_db
        user = authenticate(form.username.data, form.password.data)
        if not user:
            say(view.invalid_login_message, "warning")
            return redirect(url_for(request.endpoint, next=next_url))  # the same form again
        return finish_sign_in(user, next_url)
    return _login_page(view, form)


def finish_sign_in(user, next_url: str, keep: dict | None = None):
    """After the password, the directory or the identity provider said who it is: signed in,
    or first the code page for a user with a second factor (app/web/sessions.py then starts
    the session afresh, with the user's session generation). `keep`: what the signed-in
    session carries besides (the provider's ID token, to sign out there)."""
    if sign_in_rules.steps_for(context.session(), user).needs_code:
        session[PENDING] = {
            "user_id": user.id,
            "until": time.time() + current_app.config["SECOND_FACTOR_PENDING_SECONDS"],
            "next": next_url,
            "keep": keep or {},
        }
        return redirect(url_for("SecondFactorSignInView.code"))
    _log_in(user, keep)
    return redirect(next_url)


def _log_in(user, keep: dict | None) -> None:
    login_user(user, remember=False)  # the session starts empty (app/web/sessions.py)
    session.update(keep or {})


def confirm_sign_out(view, sign_out):
    """Signing out is a POST carrying the page's CSRF token (the menu's Sign out button): it
    ends every session and API token of the user, on every device (app/web/sessions.py; a
    copied cookie of this browser has to stop working, and only a raised generation can refuse
    it). A GET, which a link on another site can make, only asks to confirm."""
    if request.method == "GET" and current_user.is_authenticated:
        return view.render_template("account/sign_out.html", title=_("Sign out"))
    return sign_out()


def _login_page(view, form):
    return view.render_template(
        view.login_template, title=view.title, form=form, appbuilder=view.appbuilder
    )


def lockout() -> Lockout:
    return Lockout.from_config(current_app.config)


def seconds_until(moment) -> int:
    return max(1, math.ceil((moment - utcnow()).total_seconds()))


def too_many_failures(seconds: int):
    return _("Too many failed logins. Try again in %(seconds)d s.", seconds=seconds)


def locked_message(seconds: int):
    return _(
        "Too many wrong codes: the second factor is locked. Try again in %(minutes)d min, or "
        "ask an administrator to reset it.",
        minutes=math.ceil(seconds / 60),
    )


def keep_signed_in(generation: int) -> None:
    """After the user's own password change ended their sessions: this one goes on."""
    adopt_generation(generation)


class SecondFactorSignInView(BaseView):
    """The second page of a sign-in: a current code from the user's authenticator app."""

    route_base = "/sign-in"
    default_view = "code"

    @expose("/code", methods=["GET", "POST"])
    @no_cache
    def code(self):
        pending = _pending()
        if pending is None:
            say(_("Your sign-in has expired: enter your password again."), "warning")
            return redirect(self.appbuilder.get_url_for_login)
        if request.method == "GET":
            return self._page()
        sm, user_id = self.appbuilder.sm, pending["user_id"]
        try:  # codes count against the user, however they typed their name
            wait = sm.user_retry_after(user_id)
        except ServiceUnavailableError as exc:
            return self._page(exc.message, 503, {"Retry-After": str(exc.retry_after)})
        if wait:
            return self._page(too_many_failures(wait), 429, {"Retry-After": str(wait)})
        check = check_sign_in_code(context.session(), user_id, request.form.get("code"), lockout())
        if check.accepted:
            return self._sign_in(pending)
        sm.record_user_failure(user_id)
        if check.locked_until is None:
            return self._page(_("The code is wrong or was already used: enter the current one."))
        seconds = seconds_until(check.locked_until)
        return self._page(locked_message(seconds), 429, {"Retry-After": str(seconds)})

    def _sign_in(self, pending):
        session.pop(PENDING, None)
        user = self.appbuilder.sm.get_user_by_id(pending["user_id"])
        if user is None or not user.is_active:
            return redirect(self.appbuilder.get_url_for_login)
        _log_in(user, pending.get("keep"))
        return redirect(get_safe_redirect(pending.get("next") or ""))

    def _page(self, error=None, status: int = 200, headers: dict | None = None):
        page = self.render_template(
            "account/sign_in_code.html", error=error, title=_("Second factor")
        )
        return page, status, headers or {}


def _pending() -> dict | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        session.pop(PENDING, None)
        return None
    return pending
