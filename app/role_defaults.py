"""Who holds what by default: every role's permission pairs, seeded by `flask init-security`.

A role gets a default once, when the role or the pair is new, so an admin's revocation on the
Roles screen survives later deploys.
"""

from __future__ import annotations

from flask_appbuilder.security.manager import BaseSecurityManager
from flask_appbuilder.security.sqla.models import Permission, PermissionView, ViewMenu
from sqlalchemy import select

from app import permissions, roles

READ, WRITE = "can_read", "can_write"
# Every signed-in user may see their profile, change their password and use the API docs.
SELF_SERVICE = [
    ("can_userinfo", "InvoiceFlowUserView"),
    ("resetmypassword", "InvoiceFlowUserView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_read", "SecondFactor"),
    ("can_read", "TimeZone"),
    ("can_read", "OutOfOffice"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    ("userinfoedit", "InvoiceFlowUserView"),
    ("can_get", "MenuApi"),
    ("can_get", "OpenApi"),
    ("can_show", "SwaggerView"),
    ("menu_access", "Invoices"),
    ("menu_access", "Counterparties"),
    ("menu_access", "My tasks"),
]
# Held by every signed-in user with a role, whatever the Roles screen says: self-service only.
# Everything else (reading tasks and invoices, each action) is a permission a role is granted.
SIGNED_IN_BASELINE = frozenset(SELF_SERVICE)
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    roles.INITIATOR: [
        (READ, "Invoice"),
        (WRITE, "Invoice"),
        (READ, "Task"),
        permissions.SUBMIT.pair,
        permissions.WITHDRAW.pair,
        permissions.ADD_FILES.pair,
        (READ, "Counterparty"),
        ("can_add", "Counterparty"),  # a new one; changing one that exists is can_write
    ],
    roles.APPROVER: [
        (READ, "Invoice"),
        (READ, "Counterparty"),
        (READ, "Task"),
        permissions.DECIDE.pair,
        permissions.ADD_FILES.pair,
    ],
    roles.FINANCE_DIRECTOR: [
        (READ, "Invoice"),
        (READ, "Task"),
        permissions.PAY.pair,
        permissions.DECIDE.pair,  # a stage of the process may ask the finance director
        permissions.ADD_FILES.pair,
        (READ, "Counterparty"),
        ("can_add", "Counterparty"),
        (WRITE, "Counterparty"),
        (READ, "Payments"),  # export for payment, bank statements, their API
        ("menu_access", "Export for payment"),
        ("menu_access", "Bank statements"),
    ],
    roles.ANALYST: [
        (READ, "Invoice"),
        (READ, "Counterparty"),
        (READ, "Task"),
        (READ, "Process"),
        (WRITE, "Process"),
        permissions.PUBLISH.pair,
        ("menu_access", "Process"),
        permissions.READ_WAIT_REPORTS.pair,  # the heatmap and the cycle-time report
        ("menu_access", "Cycle time"),
    ],
    roles.AUDITOR: [  # reads everything, changes nothing
        (READ, "Invoice"),
        (READ, "Counterparty"),
        (READ, "Task"),
        (READ, "Process"),
        ("menu_access", "Process"),
        ("menu_access", "Security"),
        ("menu_access", "List Users"),
        ("menu_access", "List Roles"),
        ("can_list", "InvoiceFlowUserView"),
        ("can_show", "InvoiceFlowUserView"),
        ("can_list", "RoleModelView"),
        ("can_show", "RoleModelView"),
        (READ, "OpenTasks"),  # who holds what, since when; reassigning stays an admin's
        ("menu_access", "Administration"),
        ("menu_access", "Open tasks"),
        ("can_read", "AuditTrail"),  # the audit search, its export and its API
        ("menu_access", "Audit trail"),
        permissions.READ_WAIT_REPORTS.pair,  # the heatmap and the cycle-time report
        ("menu_access", "Cycle time"),
    ],
}


def declared_pairs() -> set[tuple[str, str]]:
    defaults = {pair for pairs in ROLE_PERMISSIONS.values() for pair in pairs}
    return {action.pair for action in permissions.ACTIONS} | defaults | SIGNED_IN_BASELINE


def seed_roles(appbuilder) -> list[str]:
    """Create the roles and their default permissions; safe to run on every deploy.

    A role gets a default permission once: when the role or the permission is new. An admin's
    revocation on the Roles screen therefore survives later deploys (Flask-AppBuilder cannot
    tell revoked from never granted). Admin holds every permission: FAB grants it at each sync.
    """
    sm = appbuilder.sm
    BaseSecurityManager.create_db(sm)  # roles only; the schema comes from migrations
    existed = _existing_pairs(sm)
    appbuilder.add_permissions(update_perms=True)
    created = []
    for name in roles.ALL_ROLES:
        is_new = sm.find_role(name) is None
        if is_new:
            created.append(name)
        role = sm.add_role(name)
        if name == roles.ADMIN:
            continue
        for pair in ROLE_PERMISSIONS[name] + SELF_SERVICE:
            if is_new or pair not in existed:
                _grant(sm, role, pair)
    if permissions.DECIDE.pair not in existed:
        _upgrade_to_action_permissions(sm)
    return created


# Defaults that arrived with action permissions for roles that existed before them.
GRANTED_ON_UPGRADE_TO_ACTIONS = {roles.AUDITOR: [(READ, "Process"), ("menu_access", "Process")]}


def _upgrade_to_action_permissions(sm) -> None:
    """Before actions were permissions, the holders of any role could read and decide the
    tasks offered to them: a role an admin created for a lane keeps that on the upgrade.
    Auditors, who could not read process versions then, may read them from now on."""
    for role in sm.get_all_roles():
        if role.name not in roles.ALL_ROLES and role.name != sm.auth_role_public:
            for pair in permissions.LANE_PARTICIPATION:
                _grant(sm, role, pair)
        for pair in GRANTED_ON_UPGRADE_TO_ACTIONS.get(role.name, []):
            _grant(sm, role, pair)


def _existing_pairs(sm) -> set[tuple[str, str]]:
    rows = sm.session.execute(
        select(Permission.name, ViewMenu.name)
        .select_from(PermissionView)
        .join(Permission, PermissionView.permission_id == Permission.id)
        .join(ViewMenu, PermissionView.view_menu_id == ViewMenu.id)
    )
    return {(perm, view) for perm, view in rows}


def _grant(sm, role, pair: tuple[str, str]) -> None:
    permission, view = pair
    pv = sm.find_permission_view_menu(permission, view) or sm.add_permission_view_menu(
        permission, view
    )
    if pv not in role.permissions:
        sm.add_permission_role(role, pv)
