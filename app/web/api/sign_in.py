"""The API's JWT login: Flask-AppBuilder's, plus the second factor (`totp` in the body) and the
steps a token cannot skip (a password to change, a second factor to set up)."""

from __future__ import annotations

from flask import request
from flask_appbuilder.const import (
    API_SECURITY_ACCESS_TOKEN_KEY,
    API_SECURITY_PROVIDER_DB,
    API_SECURITY_PROVIDER_LDAP,
    API_SECURITY_REFRESH_TOKEN_KEY,
)
from flask_appbuilder.security.schemas import LoginPost
from flask_jwt_extended import create_access_token, create_refresh_token
from marshmallow import ValidationError, fields
from marshmallow.validate import Length

from app.i18n import _
from app.services.second_factor import check_sign_in_code
from app.services.sign_in_rules import steps_for
from app.web import context
from app.web.views.sign_in import locked_message, lockout, seconds_until


class LoginWithCode(LoginPost):
    totp = fields.String(required=False, allow_none=True, validate=Length(max=16))


login_with_code = LoginWithCode()

# Added to the OpenAPI description of POST /api/v1/security/login.
TOTP_PROPERTY = (
    "                    totp:\n"
    "                      description: >-\n"
    "                        The current 6-digit code of the user's authenticator app; required\n"
    "                        when the user has set up a second factor\n"
    "                      example: '123456'\n"
    "                      type: string\n"
)
MESSAGE_BODY = (
    "              content:\n"
    "                application/json:\n"
    "                  schema:\n"
    "                    type: object\n"
    "                    properties:\n"
    "                      message:\n"
    "                        type: string\n"
)
REFUSALS = (
    "            401:\n"
    "              description: >-\n"
    "                Wrong user name or password; or, for a user with a second factor, the totp\n"
    "                code missing, wrong or already used (the message says which)\n"
    + MESSAGE_BODY
    + "            403:\n"
    "              description: >-\n"
    "                The user must first choose a new password, or set up the second factor\n"
    "                their role requires, by signing in on the web page\n" + MESSAGE_BODY
)


def login(api):
    """Answer a login request; every refused password or code counts for the rate limiter."""
    if not request.is_json:
        return api.response_400(message="Request payload is not JSON")
    try:
        payload = login_with_code.load(request.json)
    except ValidationError as error:
        return api.response_400(message=error.messages)
    user = _authenticate(api.appbuilder.sm, payload)
    if not user:
        return api.response_401()
    refusal = _refusal(api, user, payload)
    if refusal is not None:
        return refusal
    tokens = {API_SECURITY_ACCESS_TOKEN_KEY: create_access_token(identity=str(user.id), fresh=True)}
    if payload.get("refresh"):
        tokens[API_SECURITY_REFRESH_TOKEN_KEY] = create_refresh_token(identity=str(user.id))
    return api.response(200, **tokens)


def _authenticate(sm, payload):
    provider = payload.get("provider", API_SECURITY_PROVIDER_DB)  # optional in FAB's schema
    if provider == API_SECURITY_PROVIDER_DB:
        return sm.auth_user_db(payload["username"], payload["password"])
    if provider == API_SECURITY_PROVIDER_LDAP:
        return sm.auth_user_ldap(payload["username"], payload["password"])
    return None


def _refusal(api, user, payload):
    """The answer refusing a user whose password was right, or None to issue the tokens."""
    steps = steps_for(context.session(), user)
    if steps.needs_code:
        code = payload.get("totp")
        if not code:
            return api.response(
                401, message=str(_("This account has a second factor: send its code as totp."))
            )
        check = check_sign_in_code(context.session(), user.id, code, lockout())
        if not check.accepted:
            api.appbuilder.sm.record_user_failure(user.id)
        if check.locked_until is not None:
            seconds = seconds_until(check.locked_until)
            response = api.response(429, message=str(locked_message(seconds)))
            response.headers["Retry-After"] = str(seconds)
            return response
        if not check.accepted:
            return api.response(401, message=str(_("The totp code is wrong or was already used.")))
    if steps.must_change_password:
        return api.response(
            403, message=str(_("Choose a new password first: sign in on the web page."))
        )
    if steps.must_enrol:
        return api.response(
            403,
            message=str(_("Your role requires a second factor: set it up on the web page first.")),
        )
    return None


def documented(doc: str) -> str:
    """FAB's login docstring with the totp field and the 401/403 answers of this login."""
    return doc.replace(
        "          responses:\n", TOTP_PROPERTY + "          responses:\n", 1
    ).replace("            401:\n              $ref: '#/components/responses/401'\n", REFUSALS, 1)
