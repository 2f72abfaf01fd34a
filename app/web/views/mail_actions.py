"""The pages behind a task e-mail's Approve, Return and Reject links (no sign-in).

A GET only shows: the confirmation page, or why the link does nothing. The page's button POSTs
with a token bound to the link (there is no session to keep a CSRF secret in), and the one action
is done as the link's recipient (app/services/email_actions.py). No session is started: nothing
here writes to Flask's session, and the pages speak the recipient's language without one.
Wrong links count as failed logins of the client address, so guessing is throttled like passwords.
"""

from __future__ import annotations

from flask import current_app, request
from flask_appbuilder import BaseView, expose
from flask_babel import force_locale

from app.domain.action_links import LinkSigner
from app.errors import ServiceUnavailableError, ValidationError
from app.extensions import csrf
from app.i18n import _
from app.models.user import User
from app.services.email_actions import (
    STALE_FORM,
    TAMPERED,
    LinkRefusedError,
    act_on_link,
    open_link,
)
from app.services.inbox import language_of
from app.services.login_attempts import account_key
from app.web import context
from app.web.views.sign_in import too_many_failures

# A wrong link is counted against this name (and the client's address), like a login.
WRONG_LINK_ACCOUNT = "email action link"
ACTION_LABELS = {"approve": _("Approve"), "return": _("Return for rework"), "reject": _("Reject")}
QUESTIONS = {
    "approve": _("Approve invoice #%(number)s?"),
    "return": _("Return invoice #%(number)s for rework?"),
    "reject": _("Reject invoice #%(number)s?"),
}
DONE = {
    "approve": _("You approved invoice #%(number)s."),
    "return": _("You returned invoice #%(number)s for rework."),
    "reject": _("You rejected invoice #%(number)s."),
}
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def register(appbuilder) -> None:
    view = appbuilder.add_view_no_menu(MailActionView)
    csrf.exempt(view.blueprint)  # the form carries its own token, bound to the link


class MailActionView(BaseView):
    route_base = "/mail-actions"
    default_view = "link"

    @expose("/<token>", methods=["GET", "POST"])
    def link(self, token):
        signer = LinkSigner.from_config(current_app.config)
        with force_locale(self._language(signer, token)):
            try:
                waited = self._throttled(signer, token)
                if waited is not None:
                    return waited
                if request.method == "POST":
                    return self._act(signer, token)
                return self._confirmation(open_link(context.session(), signer, token), signer)
            except LinkRefusedError as exc:
                self._count(exc)
                return self._refused(exc)
            except ServiceUnavailableError as exc:
                headers = {**PRIVATE, "Retry-After": str(exc.retry_after)}
                return self._page("mail_actions/refused.html", 503, headers, message=exc.message)

    def _act(self, signer: LinkSigner, token):
        comment = request.form.get("comment")
        try:
            page = act_on_link(
                context.session(), signer, token, request.form.get("form_token"), comment
            )
        except ValidationError as exc:
            page = open_link(context.session(), signer, token)
            errors = [str(m) for messages in exc.errors.values() for m in messages]
            return self._confirmation(page, signer, errors, comment, status=422)
        number = page.invoice.number
        return self._page(
            "mail_actions/done.html",
            200,
            message=DONE[page.link.action] % {"number": number},
            task_url=f"/tasks/{page.link.task_guid}",
        )

    def _confirmation(self, page, signer, errors=(), comment="", status=200):
        action = page.link.action
        return self._page(
            "mail_actions/confirm.html",
            status,
            page=page,
            action=action,
            action_label=ACTION_LABELS[action],
            question=QUESTIONS[action] % {"number": page.invoice.number},
            comment_required=action in ("return", "reject"),
            form_token=signer.form_token(page.link),
            errors=errors,
            comment=comment or "",
        )

    def _refused(self, exc: LinkRefusedError):
        link = exc.link
        return self._page(
            "mail_actions/refused.html",
            exc.status_code,
            message=exc.message,
            detail=exc.detail,
            task_url=f"/tasks/{link.task_guid}" if link is not None else None,
        )

    def _page(self, template: str, status: int, headers=None, **values):
        html = self.render_template(template, title=_("Decision from e-mail"), **values)
        return html, status, headers or PRIVATE

    def _throttled(self, signer: LinkSigner, token):
        """429 while the link's recipient (or, for a wrong link, wrong links) and this address
        are over the login limits."""
        attempts = self.appbuilder.sm.login_attempts
        wait = attempts.retry_after(_account(signer, token), request.remote_addr)
        if not wait:
            return None
        headers = {**PRIVATE, "Retry-After": str(wait)}
        return self._page(
            "mail_actions/refused.html", 429, headers, message=too_many_failures(wait)
        )

    def _count(self, exc: LinkRefusedError) -> None:
        if exc.reason in (TAMPERED, STALE_FORM):
            account = account_key(exc.link.user_id) if exc.link else _wrong_link_account()
            self.appbuilder.sm.login_attempts.record_failure(account, request.remote_addr)

    def _language(self, signer: LinkSigner, token) -> str:
        """The recipient's language (their mail's); for a link that names no one, the
        browser's."""
        languages = current_app.config["LANGUAGES"]
        user_id = signer.recipient_of(token)
        user = context.session().get(User, user_id) if user_id is not None else None
        chosen = language_of(context.session(), user) if user is not None else None
        if chosen in languages:
            return chosen
        default = current_app.config["BABEL_DEFAULT_LOCALE"]
        return request.accept_languages.best_match(list(languages)) or default


def _account(signer: LinkSigner, token) -> str:
    user_id = signer.recipient_of(token)
    return account_key(user_id) if user_id is not None else _wrong_link_account()


def _wrong_link_account() -> str:
    return account_key(None, WRONG_LINK_ACCOUNT)
