"""Role names: database roles seeded by `flask init-security`. The names stay stored in
English (lanes and permissions name them); people read them through role_label()."""

from app.i18n import _

ADMIN = "Admin"
INITIATOR = "Initiator"
APPROVER = "Approver"
FINANCE_DIRECTOR = "Finance director"
ANALYST = "Analyst"
AUDITOR = "Auditor"

ALL_ROLES = (ADMIN, INITIATOR, APPROVER, FINANCE_DIRECTOR, ANALYST, AUDITOR)
# These roles see every invoice; everyone else sees the invoices they take part in.
SEE_ALL_ROLES = frozenset({ADMIN, FINANCE_DIRECTOR, AUDITOR})


# What each seeded role is called on screen. A role an admin creates is shown as it was named.
LABELS = {
    ADMIN: _("Administrator"),
    INITIATOR: _("Initiator"),
    APPROVER: _("Approver"),
    FINANCE_DIRECTOR: _("Finance director"),
    ANALYST: _("Analyst"),
    AUDITOR: _("Auditor"),
    "Public": _("Guest"),
}


def role_label(name: str | None) -> str:
    """A role's name in the reader's language ("" for none)."""
    if not name:
        return ""
    return str(LABELS[name]) if name in LABELS else name


def role_names(user) -> set[str]:
    """Roles held directly or through a group (as Flask-AppBuilder grants permissions)."""
    names = {role.name for role in getattr(user, "roles", None) or []}
    for group in getattr(user, "groups", None) or []:
        names.update(role.name for role in group.roles)
    return names


def has_role(user, *names: str) -> bool:
    return bool(role_names(user) & set(names))
