"""Security headers on every answer: a Content-Security-Policy whose scripts need the page's own
nonce (no inline script runs without it), no framing, no sniffing, a same-origin referrer, and
HSTS in production. Answers that set their own policy (file previews) keep it; an e-mail's body
alone may be framed, by the app's own pages (framed_by_own_pages)."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

SCRIPT_NONCE_BYTES = 16


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            # bpmn-js and Bootstrap set style attributes; styles cannot run code.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


# An e-mail's HTML body, shown inside a sandboxed iframe of the outbox and mail folder screens:
# no script, no request anywhere (images only as data: URLs), framed by this app's pages alone.
MAIL_BODY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
_FRAMEABLE = "invoiceflow_frameable_by_same_origin"


def framed_by_own_pages(response: Response, policy: str = MAIL_BODY_POLICY) -> Response:
    """The one exception to "never framed": an answer our own pages show in an iframe, with a
    strict policy of its own. Every other answer keeps DENY and frame-ancestors 'none'."""
    response.headers["Content-Security-Policy"] = f"{policy}; frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    setattr(response, _FRAMEABLE, True)
    return response


def register(app: Flask) -> None:
    @app.before_request
    def make_nonce():
        g.csp_nonce = secrets.token_urlsafe(SCRIPT_NONCE_BYTES)

    # Flask-AppBuilder's templates put csp_nonce() on their inline scripts, from macros imported
    # without context: a global, not a context variable.
    app.jinja_env.globals["csp_nonce"] = lambda: g.get("csp_nonce", "")

    @app.after_request
    def add_headers(response):
        headers = response.headers
        nonce = g.get("csp_nonce")
        if nonce and "Content-Security-Policy" not in headers:
            headers["Content-Security-Policy"] = content_security_policy(nonce)
        if not getattr(response, _FRAMEABLE, False):
            headers["X-Frame-Options"] = "DENY"
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["HSTS_SECONDS"]:
            headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains",
            )
        return response
