"""Labels and formatting helpers available in every template."""

from __future__ import annotations

import re

from flask import g
from flask_appbuilder.security.sqla.models import User
from flask_babel import get_locale, gettext
from markupsafe import Markup, escape

from app.domain.labels import status_label
from app.domain.titles import render_title
from app.extensions import db
from app.i18n import _, current_language, localized_amount
from app.roles import role_label
from app.services.my_tasks import count_my_open_tasks
from app.services.process_versions import seeded_from
from app.services.stage_names import stage_in
from app.services.task_holder import holder_name
from app.web import local_format
from app.web.bell import notification_bell, unread_notification_count
from app.web.date_input import date_input
from app.web.forms import KIND_LABELS
from app.web.local_format import file_size, local_date, local_number, local_time

STATUS_STYLES = {
    "draft": "default",
    "in_approval": "primary",
    "on_rework": "warning",
    "awaiting_payment": "info",
    "paid": "success",
    "rejected": "danger",
    "cancelled": "default",
}
DECISION_LABELS = {
    "approve": _("Approved"),
    "return": _("Returned for rework"),
    "reject": _("Rejected"),
    "resubmit": _("Resubmitted"),
    "pay": _("Paid"),
}
ACTION_LABELS = {
    "created": _("created the invoice"),
    "edited": _("edited the card"),
    "file_added": _("added a file"),
    "file_removed": _("removed a file"),
    "closing_document_added": _("added a closing document"),
    "message_posted": _("wrote in the discussion"),
    "message_edited": _("edited a message in the discussion"),
    "message_deleted": _("deleted a message from the discussion"),
    "approvers_changed": _("set the approvers"),
    "duplicate_warning": _("was warned of a possible duplicate"),
    "submitted": _("submitted the invoice for approval"),
    "task_assigned": _("handed out a task:"),
    "approved": _("approved"),
    "returned": _("returned the invoice for rework"),
    "rejected": _("rejected the invoice"),
    "resubmitted": _("resubmitted the corrected invoice"),
    "paid": _("recorded the payment"),
    "exported_for_payment": _("exported the invoice for payment"),
    "payment_export_created": _("made an export for payment"),
    "payment_export_downloaded": _("downloaded an export for payment"),
    "export_for_payment_cancelled": _("cancelled the invoice's export for payment"),
    "payment_export_cancelled": _("cancelled an export for payment"),
    "bank_statement_imported": _("imported a bank statement"),
    "paid_from_statement": _("confirmed the payment from the bank statement"),
    "statement_line_matched": _("matched a bank statement line to the invoice"),
    "statement_line_dismissed": _("dismissed a bank statement line"),
    "withdrawn": _("withdrew the invoice"),
    "reassigned": _("reassigned a task"),
    "acknowledged": _("acknowledged a task"),
    "reminder_sent": _("reminded the holder of a waiting task"),
    "escalated": _("reported an overdue task to the initiator and the administrators"),
    "deputy_named": _("named a deputy for a period away"),
    "deputy_cancelled": _("ended a period away"),
    "deputy_changed": _("changed a period away"),
    "process_moved": _("moved the process to another version"),
    "process_rewound": _("moved the process back to an earlier task"),
}


# Matched in already-escaped text: `&amp;` may be part of a URL; `&lt;`, `&#34;` and the like
# (escaped < > " ') end it, as does whitespace.
ESCAPED_URL = re.compile(r"\bhttps?://(?:[^\s&<>\"']|&amp;)+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}"


def task_title(task) -> str:
    """A task's title in the reader's language (stored as template + values)."""
    locale = get_locale()
    return render_title(
        task.title_template or {}, task.title_values or {}, locale.language if locale else None
    )


def stage_label(name: str | None, translations: dict | None = None) -> str:
    """A stage (a task's name from the diagram) in the reader's language."""
    return stage_in(current_language(), name, translations)


def version_note(note: str | None) -> str:
    """A process version's note; the seeding note in the reader's words."""
    seeded = seeded_from(note)
    if seeded is not None:
        return str(_("Loaded from %(file)s at the first start", file=seeded))
    return note or ""


def task_holder(task) -> str:
    person = task.assignee if task.assignee_user_id else None
    first, last = (person.first_name, person.last_name) if person is not None else (None, None)
    return holder_name(first, last, task.candidate_role) or ""


def age(since, now) -> str:
    # Translated at once (no lazy text to build): a list shows one per row.
    hours = int((now - since).total_seconds() // 3600)
    if hours < 1:
        return gettext("less than an hour")
    if hours < 48:
        return gettext("%(n)s h", n=hours)
    return gettext("%(n)s days", n=hours // 24)


def approver_names(user_ids) -> str:
    if not user_ids:
        return "—"
    users = {u.id: u for u in db.session.query(User).filter(User.id.in_(user_ids))}
    return ", ".join(
        f"{users[i].first_name} {users[i].last_name}" if i in users else f"#{i}" for i in user_ids
    )


def linkify(text) -> Markup:
    """Plain text made safe to show: escaped first, then http(s) URLs wrapped in links."""
    escaped = str(escape(text or ""))
    return Markup(ESCAPED_URL.sub(_link, escaped))  # noqa: S704 - built from escaped text only


def _link(match: re.Match) -> str:
    url = match.group(0)
    trail = ""
    while url[-1] in TRAILING_PUNCTUATION and not _closes_a_pair_inside(url):
        url, trail = url[:-1], url[-1] + trail
    if url.endswith("://"):
        return match.group(0)  # a scheme alone is no link
    return f'<a href="{url}" rel="nofollow noopener noreferrer" target="_blank">{url}</a>{trail}'


def _closes_a_pair_inside(url: str) -> bool:
    """Keep `)` in https://en.wikipedia.org/wiki/Foo_(bar); drop it in (see https://x.org)."""
    pairs = {")": "(", "]": "[", "}": "{"}
    last = url[-1]
    return last in pairs and url.count(pairs[last]) >= url.count(last)


def open_task_count() -> int:
    """Open tasks of the signed-in user, counted once per request for the menu."""
    user = getattr(g, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if "_open_task_count" not in g:
        g._open_task_count = count_my_open_tasks(db.session, user)
    return g._open_task_count


def register(app) -> None:
    app.jinja_env.globals.update(
        format_amount=localized_amount,
        status_label=status_label,
        kind_label=lambda k: KIND_LABELS.get(k, k),
        kind_choices=lambda: [(k.value, label) for k, label in KIND_LABELS.items()],
        action_label=lambda a: ACTION_LABELS.get(a, a),
        approver_names=approver_names,
        task_title=task_title,
        task_holder=task_holder,
        decision_label=lambda d: DECISION_LABELS.get(d, d or ""),
        age=age,
        open_task_count=open_task_count,
        unread_notification_count=unread_notification_count,
        notification_bell=notification_bell,
        status_style=lambda s: STATUS_STYLES.get(s, "default"),
        role_label=role_label,
        stage_label=stage_label,
        version_note=version_note,
    )
    app.jinja_env.filters["linkify"] = linkify
    # Every time, date, number and file size on a page or in an e-mail goes through these: the
    # reader's language and time zone (app/web/local_format.py).
    app.jinja_env.filters.update(
        local_time=local_time,
        local_date=local_date,
        local_number=local_number,
        file_size=file_size,
    )
    app.jinja_env.globals["date_input"] = date_input
    app.jinja_env.globals["reader_language"] = local_format.reader_language
    local_format.register(app)
