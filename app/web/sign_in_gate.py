"""Before any other page: a user whose password must change, or whose role requires a second
factor they have not set up, is sent to do that first (read on every request, so an admin's
change applies at once)."""

from __future__ import annotations

from flask import g, redirect, request, url_for

from app.services.sign_in_rules import steps_for
from app.web import context, icons

CHOOSE_NEW_ONE = "ChangeMyPasswordView.this_form_get"  # noqa: S105 - an endpoint
ENROL_PAGE = "SecondFactorView.index"
# What such a user may still open: the pages that clear the step, signing out, the language
# switch, static files and the icon.
ALLOWED = frozenset(
    {
        CHOOSE_NEW_ONE,
        "ChangeMyPasswordView.this_form_post",
        ENROL_PAGE,
        "SecondFactorView.confirm",
        "InvoiceFlowAuthDBView.logout",
        "InvoiceFlowAuthLDAPView.logout",  # single sign-on (app/sso/views.py)
        "InvoiceFlowAuthOAuthView.logout",
        "LocaleView.index",
        "static",
        "appbuilder.static",
        icons.ENDPOINT,
    }
)


def register(app) -> None:
    @app.before_request
    def send_to_the_step_due():
        user = g.get("user")
        if user is None or not user.is_authenticated or request.endpoint in ALLOWED:
            return None
        if request.path.startswith("/api/"):
            return None  # the API reads tokens only: they are refused for these users
        steps = steps_for(context.session(), user)
        if steps.must_change_password:
            return redirect(url_for(CHOOSE_NEW_ONE))
        if steps.must_enrol:
            return redirect(url_for(ENROL_PAGE))
        return None
