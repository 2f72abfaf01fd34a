"""Users and roles are Flask-AppBuilder's tables; the rest of the app names them from here."""

from flask_appbuilder.security.sqla.models import (
    Group,
    Role,
    User,
    assoc_group_role,
    assoc_user_group,
    assoc_user_role,
)
from sqlalchemy import or_

__all__ = [
    "Group",
    "Role",
    "User",
    "assoc_group_role",
    "assoc_user_group",
    "assoc_user_role",
    "holds_role",
]


def holds_role(*names: str):
    """SQL condition on User: holds one of these roles, directly or through one of its groups
    (as Flask-AppBuilder grants permissions)."""
    return or_(
        User.roles.any(Role.name.in_(names)),
        User.groups.any(Group.roles.any(Role.name.in_(names))),
    )
