"""What a notice about an out-of-office period or a changed list of approvers says beyond its
subject, in the reader's language and on the reader's clock (app/mail.py renders mails in the
recipient's, the bell's list in the signed-in reader's)."""

from __future__ import annotations

from datetime import datetime

from app.i18n import _
from app.models import NotificationKind
from app.web.local_format import local_date, local_time

DEPUTY_KINDS = (
    NotificationKind.DEPUTY_NAMED,
    NotificationKind.DEPUTY_CHANGED,
    NotificationKind.DEPUTY_CANCELLED,
)


def period_days(period: dict) -> dict:
    """The absent person's first and last day, the reader's way (`03.12.2026` in Russian)."""
    return {"start": local_date(period.get("starts_on")), "end": local_date(period.get("ends_on"))}


def period_on_the_readers_clock(period: dict) -> str:
    start, end = _moment(period.get("starts_at")), _moment(period.get("ends_at"))
    if start is None or end is None:
        return ""
    return str(
        _(
            "From %(start)s until %(end)s, on your clock.",
            start=local_time(start),
            end=local_time(end),
        )
    )


def deputy_lines(kind: str, params: dict, name_of) -> list[str]:
    """The lead, the period (for a change, also as it was) and the note of a deputy's notice;
    `name_of` gives a person's name from their id."""
    absent, by = name_of(params.get("absent")), name_of(params.get("by"))
    lines = [_lead(kind, absent, by, themselves=params.get("by") == params.get("absent"))]
    if kind == NotificationKind.DEPUTY_NAMED:
        lines.append(
            _("While they are away you see and decide their tasks, and are told of new ones.")
        )
    elif kind == NotificationKind.DEPUTY_CHANGED:
        lines.append(
            _("It was from %(start)s to %(end)s.", **period_days(params.get("before") or {}))
        )
    else:
        lines.append(_("Their tasks are back with them."))
    lines.append(_("Days away: %(start)s to %(end)s.", **period_days(params)))
    lines.append(period_on_the_readers_clock(params))
    if params.get("note"):
        lines.append(_("Note: %(note)s", note=params["note"]))
    return [str(line) for line in lines if line]


def _lead(kind: str, absent: str, by: str, themselves: bool):
    if kind == NotificationKind.DEPUTY_NAMED:
        if themselves:
            return _("%(name)s named you their deputy.", name=absent)
        return _("%(by)s named you the deputy of %(name)s.", by=by, name=absent)
    if kind == NotificationKind.DEPUTY_CHANGED:
        if themselves:
            return _("%(name)s changed their out-of-office period.", name=absent)
        return _("%(by)s changed the out-of-office period of %(name)s.", by=by, name=absent)
    if themselves:
        return _("%(name)s ended their out-of-office period.", name=absent)
    return _("%(by)s ended the out-of-office period of %(name)s.", by=by, name=absent)


def approvers_lines(params: dict, number, name_of) -> list[str]:
    """Who changed the approvers around the reader's turn, and the list now, in order."""
    chain = ", ".join(
        f"{position}. {name_of(pk)}" for position, pk in enumerate(params.get("approvers") or [], 1)
    )
    return [
        str(
            _(
                "%(by)s changed the approvers of invoice #%(number)s; your turn stays yours.",
                by=name_of(params.get("by")),
                number=number,
            )
        ),
        str(_("The approvers now, in order: %(names)s.", names=chain)),
    ]


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
