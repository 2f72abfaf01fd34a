"""What each action needs: a permission that a role holds, granted or revoked on the Roles screen.

Every action asks `require(actor, ACTION)` beside its process rules (task_access, visibility):
both must allow it. A user's (permission, view) pairs are read once per database session (one
web request, one command) and shared with Flask-AppBuilder's own checks (app/security.py), so a
check adds no query. The pairs live on the view menus of the screens that show them; app/security.py
declares them there, so Flask-AppBuilder's permission sync keeps them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask_appbuilder.security.sqla.models import (
    Permission,
    PermissionView,
    ViewMenu,
    assoc_permissionview_role,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app.errors import PermissionDeniedError
from app.i18n import _


@dataclass(frozen=True)
class Action:
    permission: str
    view_menu: str
    label: object  # translatable: "submit invoices", read after "Your roles do not allow you to"

    @property
    def pair(self) -> tuple[str, str]:
        return (self.permission, self.view_menu)


SUBMIT = Action("can_submit", "Invoice", _("submit invoices"))
WITHDRAW = Action("can_withdraw", "Invoice", _("withdraw invoices"))
ADD_FILES = Action("can_add_files", "Invoice", _("add files to invoices"))
PAY = Action("can_pay", "Invoice", _("record payments"))
DECIDE = Action("can_decide", "Task", _("decide on tasks"))
REASSIGN = Action("can_reassign", "Task", _("reassign tasks"))
PUBLISH = Action("can_publish", "Process", _("publish processes"))
RETRY_MAIL = Action("can_retry", "OutboxView", _("send failed e-mail again"))
# The actions a role may be granted or refused; each is its own permission.
ACTIONS = (SUBMIT, WITHDRAW, ADD_FILES, PAY, DECIDE, REASSIGN, PUBLISH, RETRY_MAIL)

# The action that completes a task of each form (its service asks for the same one).
ACTION_OF_FORM = {
    "approval": DECIDE,
    "acknowledge": DECIDE,  # acknowledging is the decision of its stage
    "correction": SUBMIT,  # resubmitting the corrected card
    "payment": PAY,
}

# Reading the process screens and editing drafts: Flask-AppBuilder's own pairs of ProcessView.
READ_PROCESSES = Action("can_read", "Process", _("read process versions"))
EDIT_PROCESSES = Action("can_write", "Process", _("edit process drafts"))
# Where invoices wait: the heatmap on a version's diagram and the cycle-time report.
READ_WAIT_REPORTS = Action("can_read", "WaitReport", _("read the wait reports"))

# What a role needs to work in a lane of the process: My tasks, the invoices it is offered and
# its decisions. An admin grants these to a role created for a new lane.
LANE_PARTICIPATION = (("can_read", "Task"), ("can_read", "Invoice"), DECIDE.pair)

_CACHE = "invoiceflow.permission_pairs"


def declared_on(view_menu: str) -> list[str]:
    """The action permissions that live on a view menu."""
    return [action.permission for action in ACTIONS if action.view_menu == view_menu]


def permission_pairs():
    """(permission, view) names granted through assoc_permissionview_role; add a WHERE."""
    return (
        select(Permission.name, ViewMenu.name)
        .select_from(PermissionView)
        .join(Permission, PermissionView.permission_id == Permission.id)
        .join(ViewMenu, PermissionView.view_menu_id == ViewMenu.id)
        .join(
            assoc_permissionview_role,
            assoc_permissionview_role.c.permission_view_id == PermissionView.id,
        )
    )


def pairs_of_roles(session: Session, role_ids: Iterable[int]) -> frozenset[tuple[str, str]]:
    """Every pair the roles hold: one query per set of roles in a session."""
    key = frozenset(role_ids)
    cache = session.info.setdefault(_CACHE, {})
    if key not in cache:
        rows = (
            session.execute(
                permission_pairs().where(assoc_permissionview_role.c.role_id.in_(sorted(key)))
            )
            if key
            else []
        )
        cache[key] = frozenset((perm, view) for perm, view in rows)
    return cache[key]


class KeptPairs:
    """What each set of roles holds, kept per web process like the Public role's: read again
    after an edit of role permissions committed in this process (a new `generation`), or after
    `ttl` seconds (an edit in another process). Users share a few sets of roles. The services'
    checks in the same session reuse the answer without a query."""

    MAX_ROLE_SETS = 1000  # the bound keeps memory flat

    def __init__(self, ttl: float):
        self.ttl = ttl
        self._kept: dict[frozenset[int], tuple[float, int, frozenset]] = {}

    def of(self, session: Session, role_ids: frozenset[int], generation: int) -> frozenset:
        now = time.monotonic()
        kept = self._kept.get(role_ids)
        if kept is None or now - kept[0] >= self.ttl or kept[1] != generation:
            if len(self._kept) >= self.MAX_ROLE_SETS:
                self._kept.clear()
            kept = (now, generation, pairs_of_roles(session, role_ids))
            self._kept[role_ids] = kept
        else:
            session.info.setdefault(_CACHE, {})[role_ids] = kept[2]
        return kept[2]


def forget(session: Session) -> None:
    """Read the pairs again: a role's permissions changed."""
    session.info.pop(_CACHE, None)


def granted(actor) -> frozenset[tuple[str, str]]:
    """The actor's pairs, through roles held directly or through a group (as Flask-AppBuilder
    grants them). An actor outside any session holds nothing: the check fails closed."""
    session = object_session(actor) if actor is not None else None
    if session is None:
        return frozenset()
    role_ids = {role.id for role in actor.roles or []}
    for group in getattr(actor, "groups", None) or []:
        role_ids.update(role.id for role in group.roles)
    return pairs_of_roles(session, role_ids)


def allows(actor, action: Action) -> bool:
    return action.pair in granted(actor)


def require(actor, action: Action) -> None:
    """Raise PermissionDeniedError (403) naming the action unless one of the actor's roles
    holds its permission."""
    if not allows(actor, action):
        raise PermissionDeniedError(
            _(
                "Your roles do not allow you to %(action)s. An administrator may grant it on "
                "the Roles screen.",
                action=action.label,
            )
        )
