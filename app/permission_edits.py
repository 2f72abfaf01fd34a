"""A process-wide generation number of role permission edits: cached permission answers
older than the last committed edit are read again (app/security.py)."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from app import permissions

_edits = 0


def count() -> int:
    """Committed edits of role permissions in this process so far."""
    return _edits


@event.listens_for(Role.permissions, "append")
@event.listens_for(Role.permissions, "remove")
def _note_permission_edit(role, _permission_view, _initiator):
    session = object_session(role)
    if session is None:
        _count_permission_edit()
    else:
        session.info["role_permissions_edited"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.info.pop("role_permissions_edited", False):
        permissions.forget(session)
        _count_permission_edit()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, _previous_transaction):
    """An edit rolled back is no edit: a later commit of the same session counts none."""
    session.info.pop("role_permissions_edited", None)


def _count_permission_edit() -> None:
    global _edits  # noqa: PLW0603 - a process-wide generation number
    _edits += 1
