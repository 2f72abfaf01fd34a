"""Roles and permissions on Flask-AppBuilder's security screens, in the reader's words: the
roles stay stored in English (lanes and permission checks name them)."""

from __future__ import annotations

from flask_appbuilder.security.views import (
    PermissionModelView,
    PermissionViewModelView,
    UserGroupModelView,
    ViewMenuModelView,
)

from app.i18n import _
from app.roles import role_label
from app.web.permission_groups import VERBS, VIEW_MENUS, area_and_label


def roles_text(roles) -> str:
    return ", ".join(sorted(role_label(role.name) for role in roles or []))


def permissions_text(permission_views) -> str:
    """A role's permissions as the Roles form words them, one phrase each."""
    labels = (area_and_label(pv.permission.name, pv.view_menu.name)[1] for pv in permission_views)
    return "; ".join(sorted(labels, key=str.casefold))


def yes_no(value) -> str:
    return str(_("Yes") if value else _("No"))


def role_choice_label(role) -> str:
    """A role in the users' form: its label."""
    return role_label(role.name)


def with_role_labels(form, field_name: str = "roles") -> None:
    """A form class's many-to-many field of roles, showing each role by its label."""
    field = getattr(form, field_name, None)
    if field is not None:
        setattr(
            form,
            field_name,
            field.field_class(*field.args, **{**field.kwargs, "get_label": role_choice_label}),
        )


# The Roles list's search offers the roles' users and groups too.
ROLE_SEARCH_LABELS = {"user": _("Users"), "groups": _("Groups")}


def permission_word(permission) -> str:
    name = getattr(permission, "name", permission)
    return str(VERBS[name]) if name in VERBS else name


def view_menu_word(view_menu) -> str:
    name = getattr(view_menu, "name", view_menu)
    return str(VIEW_MENUS[name][1]) if name in VIEW_MENUS else name


class GroupView(UserGroupModelView):
    """Groups: their roles by label, in the reader's language."""

    class_permission_name = "UserGroupModelView"  # the permissions roles already hold
    label_columns = {
        "name": _("Name"),
        "label": _("Label"),
        "description": _("Description"),
        "users": _("Users"),
        "roles": _("Roles"),
    }
    formatters_columns = {"roles": roles_text}

    def _init_forms(self):
        super()._init_forms()
        for form in (self.add_form, self.edit_form):
            with_role_labels(form)


# Flask-AppBuilder's registries of permissions and views, in the Roles form's words.
class PermissionView(PermissionModelView):
    class_permission_name = "PermissionModelView"
    formatters_columns = {"name": permission_word}


class ViewMenuView(ViewMenuModelView):
    class_permission_name = "ViewMenuModelView"
    formatters_columns = {"name": view_menu_word}


class PermissionOnViewView(PermissionViewModelView):
    class_permission_name = "PermissionViewModelView"
    label_columns = {**PermissionViewModelView.label_columns, "role": _("Roles")}
    formatters_columns = {"permission": permission_word, "view_menu": view_menu_word}
