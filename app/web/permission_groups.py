"""The Roles screen's permissions, grouped by what they allow and named in words: "Submit
invoices" under Invoices rather than "can_submit on Invoice". The form still posts
Flask-AppBuilder's permission-view ids, so its save is Flask-AppBuilder's own."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup

from app import permissions
from app.i18n import _
from app.services.audit_search import READ_AUDIT_TRAIL
from app.services.open_tasks import SUPERVISE_TASKS

INVOICES = _("Invoices")
TASKS = _("Tasks")
PROCESSES = _("Processes")
MAIL = _("Mail")
COUNTERPARTIES = _("Counterparties")
ADMINISTRATION = _("Administration")
SELF_SERVICE = _("Self-service")
AREAS = (INVOICES, TASKS, PROCESSES, MAIL, COUNTERPARTIES, ADMINISTRATION, SELF_SERVICE)

# View menu -> (area, what it is called on screen). Menu entries are view menus too.
VIEW_MENUS = {
    "Invoice": (INVOICES, _("Invoices")),
    "Invoices": (INVOICES, _("Invoices")),
    "Task": (TASKS, _("Tasks")),
    "My tasks": (TASKS, _("My tasks")),
    "OpenTasks": (TASKS, _("Open tasks")),
    "Open tasks": (TASKS, _("Open tasks")),
    "Process": (PROCESSES, _("Process")),
    "WaitReport": (PROCESSES, _("Where invoices wait and cycle time")),
    "Cycle time": (PROCESSES, _("Cycle time")),
    "Audit trail": (ADMINISTRATION, _("Audit trail")),
    "OutboxView": (MAIL, _("Outgoing e-mail")),
    "Outgoing e-mail": (MAIL, _("Outgoing e-mail")),
    "DevMailView": (MAIL, _("Mail folder")),
    "Mail folder": (MAIL, _("Mail folder")),
    "Mail": (MAIL, _("Mail")),
    "Counterparty": (COUNTERPARTIES, _("Counterparties")),
    "Counterparties": (COUNTERPARTIES, _("Counterparties")),
    "Payments": (INVOICES, _("Export for payment and bank statements")),
    "Export for payment": (INVOICES, _("Export for payment")),
    "Bank statements": (INVOICES, _("Bank statements")),
    "Department": (ADMINISTRATION, _("Departments")),
    "Departments": (ADMINISTRATION, _("Departments")),
    "CostCentre": (ADMINISTRATION, _("Cost centres")),
    "Cost centres": (ADMINISTRATION, _("Cost centres")),
    "InvoiceFlowUserView": (ADMINISTRATION, _("Users")),
    "List Users": (ADMINISTRATION, _("Users")),
    "RoleModelView": (ADMINISTRATION, _("Roles")),
    "List Roles": (ADMINISTRATION, _("Roles")),
    "UserGroupModelView": (ADMINISTRATION, _("Groups")),
    "List Groups": (ADMINISTRATION, _("Groups")),
    "Groups": (ADMINISTRATION, _("Groups")),
    "User": (ADMINISTRATION, _("Users")),
    "Role": (ADMINISTRATION, _("Roles")),
    "IncidentView": (ADMINISTRATION, _("Incidents")),
    "Incidents": (ADMINISTRATION, _("Incidents")),
    "Webhooks": (ADMINISTRATION, _("Webhooks")),  # the screen, its menu entry and its API
    "SignInRules": (ADMINISTRATION, _("Sign-in rules")),
    "Sign-in rules": (ADMINISTRATION, _("Sign-in rules")),
    "ResetPasswordView": (ADMINISTRATION, _("A user's password")),
    "Security": (ADMINISTRATION, _("Security")),
    "Administration": (ADMINISTRATION, _("Administration")),
    "PermissionModelView": (ADMINISTRATION, _("Permissions")),
    "ViewMenuModelView": (ADMINISTRATION, _("Views and menus")),
    "PermissionViewModelView": (ADMINISTRATION, _("Permissions on views and menus")),
    "Base Permissions": (ADMINISTRATION, _("Permissions")),
    "Views/Menus": (ADMINISTRATION, _("Views and menus")),
    "Permission on Views/Menus": (ADMINISTRATION, _("Permissions on views and menus")),
    "SecondFactor": (SELF_SERVICE, _("Second factor")),
    "ResetMyPasswordView": (SELF_SERVICE, _("My password")),
    "UserInfoEditView": (SELF_SERVICE, _("My profile")),
    "MenuApi": (SELF_SERVICE, _("The menu")),
    "OpenApi": (SELF_SERVICE, _("API description")),
    "SwaggerView": (SELF_SERVICE, _("API explorer")),
}
VERBS = {
    "can_read": _("read"),
    "can_write": _("change"),
    "can_add": _("add"),
    "can_edit": _("edit"),
    "can_list": _("list"),
    "can_show": _("open"),
    "can_delete": _("delete"),
    "can_download": _("download"),
    "can_get": _("read"),
    "can_index": _("list"),
    "can_retry": _("try again"),
    "can_move": _("move to the current process version"),
    "can_this_form_get": _("open the form"),
    "can_this_form_post": _("save the form"),
    "copyrole": _("copy"),
    "can_userinfo": _("see their own profile"),
    "userinfoedit": _("edit their own profile"),
    "resetmypassword": _("change their own password"),
    "resetpasswords": _("set a user's password"),
    "forcepasswordreset": _("make a user choose a new password"),
    "resetsecondfactor": _("remove a user's second factor"),
}
# The pairs the process and the screens check by name: said in full.
NAMED = {
    **{action.pair: action.label for action in permissions.ACTIONS},
    permissions.READ_PROCESSES.pair: permissions.READ_PROCESSES.label,
    permissions.EDIT_PROCESSES.pair: permissions.EDIT_PROCESSES.label,
    permissions.READ_WAIT_REPORTS.pair: permissions.READ_WAIT_REPORTS.label,
    SUPERVISE_TASKS.pair: SUPERVISE_TASKS.label,
    READ_AUDIT_TRAIL.pair: READ_AUDIT_TRAIL.label,
    ("can_read", "Invoice"): _("read the invoices they take part in (some roles: all)"),
    ("can_write", "Invoice"): _("create invoices and edit their cards"),
    ("can_read", "Task"): _("see My tasks and open task pages"),
    ("can_read", "Counterparty"): _("read counterparties"),
    ("can_add", "Counterparty"): _("add counterparties"),
    ("can_write", "Counterparty"): _("change counterparties, bank details included"),
    ("can_read", "SignInRules"): _("read the sign-in rules"),
    ("can_write", "SignInRules"): _("change the sign-in rules"),
}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    checked: bool


def area_and_label(permission: str, view_menu: str, self_service=frozenset()) -> tuple:
    """Where a (permission, view menu) pair is listed, and its words."""
    area, subject = VIEW_MENUS.get(view_menu, (ADMINISTRATION, view_menu))
    if (permission, view_menu) in self_service:
        area = SELF_SERVICE
    if (permission, view_menu) in NAMED:
        label = str(NAMED[(permission, view_menu)])
    elif permission == "menu_access":
        label = str(_("%(item)s in the menu", item=subject))
    else:
        verb = VERBS.get(permission) or permission.removeprefix("can_").replace("_", " ")
        label = f"{subject}: {verb}"
    return area, label[:1].upper() + label[1:]


def grouped_choices(options, self_service=frozenset()) -> list[tuple[str, list[Choice]]]:
    """`options`: (value, permission name, view menu name, checked). Areas in a fixed order,
    each sorted by label; empty areas left out."""
    groups: dict[str, list[Choice]] = {str(area): [] for area in AREAS}
    for value, permission, view_menu, checked in options:
        area, label = area_and_label(permission, view_menu, self_service)
        groups[str(area)].append(Choice(value, label, checked))
    return [
        (area, sorted(choices, key=lambda c: c.label.casefold()))
        for area, choices in groups.items()
        if choices
    ]


class GroupedPermissionsWidget:
    """Checkboxes for a role's permissions, grouped by area. Renders Flask-AppBuilder's
    many-to-many field of permission views; submits their ids under the field's name."""

    def __init__(self, self_service=frozenset()):
        self.self_service = frozenset(self_service)

    def __call__(self, field, **kwargs):
        chosen = set(field.data or [])
        options = [
            (pk, pv.permission.name, pv.view_menu.name, pv in chosen)
            for pk, pv in field._get_object_list()  # FAB's field: its (id, permission view) pairs
        ]
        return Markup(  # noqa: S704 - a template rendered with autoescape
            render_template(
                "security/role_permissions.html",
                name=field.name,
                groups=grouped_choices(options, self.self_service),
            )
        )
