"""The sign-in pages of single sign-on: the LDAP form, the OpenID Connect button and its
callback, and the break-glass local form. Each goes through the app's own steps
(app/web/views/sign_in.py): failed passwords counted and limited, the second-factor code, a
fresh session stamped with the user's session generation."""

from __future__ import annotations

import logging
import secrets

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthLDAPView, AuthOAuthView
from flask_appbuilder.utils.base import get_safe_redirect
from jwt import InvalidTokenError
from jwt import decode as decode_state
from jwt import encode as encode_state

from app.i18n import _
from app.sso import oidc as sso_oidc
from app.sso.directory import DirectoryUnavailableError
from app.web.context import say
from app.web.views import sign_in

log = logging.getLogger(__name__)

SIGN_IN_TITLE = _("Sign In")  # as on the login page with passwords kept here
INVALID_LOGIN = _("Invalid login. Please try again.")


class InvoiceFlowAuthLDAPView(AuthLDAPView):
    """The user name and password of the company directory (LDAP / Active Directory)."""

    login_template = "sso/login_ldap.html"
    title = SIGN_IN_TITLE
    invalid_login_message = INVALID_LOGIN

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        try:
            return sign_in.password_login(self, self.appbuilder.sm.auth_user_ldap)
        except DirectoryUnavailableError as exc:
            say(exc.message, "warning")
            page = self.render_template(
                self.login_template,
                title=self.title,
                form=LoginForm_db(),
                appbuilder=self.appbuilder,
            )
            return page, 503, {"Retry-After": str(exc.retry_after)}

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        return sign_in.confirm_sign_out(self, super().logout)


class InvoiceFlowAuthOAuthView(AuthOAuthView):
    """A button to the OpenID Connect provider; its answer comes back to oauth_authorized."""

    login_template = "sso/login_oidc.html"
    title = SIGN_IN_TITLE
    invalid_login_message = INVALID_LOGIN

    @expose("/login/")
    @expose("/login/<provider>")
    @no_cache
    def login(self, provider: str | None = None):
        """The button page; /login/<provider> sends the browser to the provider. FAB's, with a
        state key long enough for HS256 and a clear answer when the provider is unreachable."""
        remotes = self.appbuilder.sm.oauth_remotes
        if provider is not None and provider not in remotes:
            abort(404)
        if provider is None or (g.user is not None and g.user.is_authenticated):
            return super().login(provider)
        # The sign-in's arguments (`next`) travel signed with a secret this session keeps.
        secret = secrets.token_urlsafe(32)
        session["oauth_state"] = secret
        state = encode_state(request.args.to_dict(flat=False), secret, algorithm="HS256")
        callback = url_for(".oauth_authorized", provider=provider, _external=True)
        try:
            return remotes[provider].authorize_redirect(redirect_uri=callback, state=state)
        except Exception as exc:  # noqa: BLE001 - the provider's discovery document unreachable
            log.warning("OpenID Connect provider %s unreachable: %s", provider, exc)
            say(_("The sign-in service is unavailable. Try again in a few minutes."), "warning")
            page = super().login(None)
            return page, 503, {"Retry-After": "60"}

    @expose("/oauth-authorized/<provider>")
    @no_cache
    def oauth_authorized(self, provider: str):
        """FAB's callback in the reader's language, through the app's sign-in steps."""
        sm = self.appbuilder.sm
        if provider not in sm.oauth_remotes:
            abort(404)
        if "error" in request.args:  # the user said no, or the provider refused
            return self._back_to_login(_("The sign-in was refused by the identity provider."))
        state = _started_here()
        if state is None:
            return self._back_to_login(_("The sign-in took too long or was not started here."))
        try:
            response = sm.oauth_remotes[provider].authorize_access_token()
            userinfo = sm.oauth_user_info(provider, response)
        except Exception as exc:  # noqa: BLE001 - any failure of the provider's answer
            log.warning("OpenID Connect sign-in failed at %s: %s", provider, exc)
            return self._back_to_login(_("The identity provider's answer could not be checked."))
        user = sm.auth_user_oauth(userinfo)
        if user is None:
            return self._back_to_login(self.invalid_login_message)
        next_url = (state.get("next") or [""])[0]
        keep = sso_oidc.signed_in_at(provider, response)
        return sign_in.finish_sign_in(user, get_safe_redirect(next_url), keep=keep)

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        return sign_in.confirm_sign_out(self, self._sign_out)

    def _sign_out(self):
        """Signed out here (every session, as always); then, for someone who signed in at the
        provider, at the provider too, which sends the browser back to the login page."""
        signed_in_at = session.get(sso_oidc.SIGNED_IN_AT)
        local = super().logout()
        if not current_app.config["OIDC_PROVIDER_LOGOUT"] or not isinstance(signed_in_at, dict):
            return local
        remote = self.appbuilder.sm.oauth_remotes.get(signed_in_at.get("provider"))
        if remote is None:
            return local
        back_to = url_for(".login", _external=True)
        at_provider = sso_oidc.end_session_url(remote, signed_in_at.get("id_token"), back_to)
        return redirect(at_provider) if at_provider else local

    def _back_to_login(self, message):
        say(message, "warning")
        return redirect(self.appbuilder.get_url_for_login)


class LocalSignInView(BaseView):
    """The break-glass sign-in: a password kept in this database, for AUTH_LOCAL_LOGIN_USERS
    only, with the same limits and second factor as any sign-in."""

    route_base = "/login/local"
    login_template = "sso/login_local.html"
    title = _("Local sign-in")
    invalid_login_message = INVALID_LOGIN

    @expose("/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        return sign_in.password_login(self, self.appbuilder.sm.auth_user_local)

    def _get_safe_next_url(self) -> str:
        return get_safe_redirect(request.args.get("next", self.appbuilder.get_url_for_index))


def _started_here() -> dict | None:
    """The sign-in's own arguments (`next`), signed with the secret this browser's session
    keeps since its login page: None for an answer to a sign-in started elsewhere."""
    secret = session.get("oauth_state")
    if not secret:
        return None
    try:
        state = decode_state(request.args.get("state", ""), secret, algorithms=["HS256"])
    except InvalidTokenError:
        return None
    return state if isinstance(state, dict) else None
