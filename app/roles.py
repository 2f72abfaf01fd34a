"""Role names: database roles seeded by `flask init-security`."""

ADMIN = "Admin"
INITIATOR = "Initiator"
APPROVER = "Approver"
FINANCE_DIRECTOR = "Finance director"
ANALYST = "Analyst"
AUDITOR = "Auditor"

ALL_ROLES = (ADMIN, INITIATOR, APPROVER, FINANCE_DIRECTOR, ANALYST, AUDITOR)
# These roles see every invoice; everyone else sees the invoices they take part in.
SEE_ALL_ROLES = frozenset({ADMIN, FINANCE_DIRECTOR, AUDITOR})


def role_names(user) -> set[str]:
    """Roles held directly or through a group (as Flask-AppBuilder grants permissions)."""
    names = {role.name for role in getattr(user, "roles", None) or []}
    for group in getattr(user, "groups", None) or []:
        names.update(role.name for role in group.roles)
    return names


def has_role(user, *names: str) -> bool:
    return bool(role_names(user) & set(names))
