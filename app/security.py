"""Security manager: cached permissions per request, users never deleted, role seeding."""

from __future__ import annotations

import time
from functools import cached_property

from flask import current_app, g, has_request_context, redirect, request, url_for
from flask_appbuilder.api import safe
from flask_appbuilder.const import AUTH_LDAP
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (
    Group,
    Role,
    assoc_permissionview_role,
)
from flask_appbuilder.security.views import AuthDBView, RoleModelView, UserDBModelView
from flask_appbuilder.views import expose
from flask_appbuilder.widgets import ListWidget, ShowWidget
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app import permission_edits, permissions, roles
from app.errors import ServiceUnavailableError
from app.i18n import _
from app.models.base import utcnow
from app.models.user_security import UserSecurity
from app.role_defaults import SIGNED_IN_BASELINE, declared_pairs
from app.services.login_attempts import LoginAttempts, account_key
from app.services.sign_in_rules import GUARD_ATTRIBUTE, LoadedGuard, second_factor_required_of
from app.services.task_holders import delegations_in_force_column, remember_delegations
from app.services.user_sessions import FIRST_GENERATION
from app.sso import oidc as sso_oidc
from app.sso import settings as sso_settings
from app.sso import views as sso_views
from app.sso.directory import DirectoryTlsMixin
from app.web import role_labels
from app.web.api import sign_in as api_sign_in
from app.web.datamodel import RowIdInterface
from app.web.permission_groups import GroupedPermissionsWidget
from app.web.views import sign_in
from app.web.views.account import ChangeMyPasswordView, SetUserPasswordView, UserSecurityActions


class InvoiceFlowUserView(UserSecurityActions, UserDBModelView):
    """Users are deactivated, never deleted: every audit event keeps its actor. Admins may
    force a password reset or reset a second factor (app/web/views/account.py)."""

    base_permissions = [
        "can_list",
        "can_show",
        "can_add",
        "can_edit",
        "can_userinfo",
        "resetmypassword",
        "resetpasswords",
        "userinfoedit",
        "forcepasswordreset",
        "resetsecondfactor",
    ]
    # Never the password hash: FAB's defaults would sort by any column of ab_user.
    order_columns = ["first_name", "last_name", "username", "email", "active"]
    search_columns = [c for c in UserDBModelView.search_columns if c != "password"]
    # Roles by their labels, in the reader's language (app/web/role_labels.py).
    formatters_columns = {"roles": role_labels.roles_text, "active": role_labels.yes_no}
    # With single sign-on the roles come from the directory at each sign-in: say so.
    description_columns = {
        **UserDBModelView.description_columns,
        "roles": sso_settings.roles_field_description(),
    }

    def _init_forms(self):
        super()._init_forms()
        for form in (self.add_form, self.edit_form):
            role_labels.with_role_labels(form)

    # A saved user: back to the list, saying whom. FAB flashes these right after post_add /
    # post_update, which note the name for this request.
    @property
    def add_row_message(self):
        return str(_("User %(name)s saved.", name=g.pop("saved_user", "")))

    edit_row_message = add_row_message

    def post_add(self, item):
        super().post_add(item)
        g.saved_user = _full_name(item)

    def post_update(self, item):
        super().post_update(item)
        g.saved_user = _full_name(item)

    def post_add_redirect(self):
        return redirect(url_for(".list"))

    def post_edit_redirect(self):
        return redirect(url_for(".list"))


def _full_name(user) -> str:
    name = f"{user.first_name or ''} {user.last_name or ''}".strip()
    return f"{name} ({user.username})" if name else user.username


class InvoiceFlowRoleView(RoleModelView):
    """The Roles screen: a role's permissions grouped by what they allow, in words."""

    class_permission_name = "RoleModelView"  # the permissions roles already hold
    # FAB's generic list and show (its role widgets exist for FAB_ROLES, which the app does not
    # use), so that names and permissions read in words.
    list_widget = ListWidget
    show_widget = ShowWidget
    formatters_columns = {
        "name": roles.role_label,
        "permissions": role_labels.permissions_text,
    }
    label_columns = {**RoleModelView.label_columns, **role_labels.ROLE_SEARCH_LABELS}

    def _init_forms(self):
        super()._init_forms()
        widget = GroupedPermissionsWidget(self_service=SIGNED_IN_BASELINE)
        for form in (self.add_form, self.edit_form):
            field = form.permissions  # FAB's many-to-many field, with its query; a new widget
            form.permissions = field.field_class(*field.args, **{**field.kwargs, "widget": widget})


_too_many_failures_text = sign_in.too_many_failures


class InvoiceFlowAuthDBView(AuthDBView):
    """FAB's login form, refused with 429 while the account or address is over its limits."""

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        # A second factor, if set up, before signing in.
        return sign_in.password_login(self, self.appbuilder.sm.auth_user_db)

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        return sign_in.confirm_sign_out(self, super().logout)


class InvoiceFlowSecurityApi(SecurityApi):
    """FAB's JWT login, refused with 429 while the account or address is over its limits."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        payload = request.get_json(silent=True)
        username = payload.get("username") if isinstance(payload, dict) else None
        try:
            wait = (
                self.appbuilder.sm.login_retry_after(username) if isinstance(username, str) else 0
            )
        except ServiceUnavailableError as exc:  # FAB's @safe would make it a 500
            response = self.response(503, message=str(exc.message))
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        if wait:
            response = self.response(429, message=str(_too_many_failures_text(wait)))
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            return api_sign_in.login(self)  # FAB's, with the second factor
        except ServiceUnavailableError as exc:  # the directory unreachable or not trusted
            response = self.response(503, message=str(exc.message))
            response.headers["Retry-After"] = str(exc.retry_after)
            return response


# The OpenAPI document is read from the docstring: FAB's, with the refusal and the second
# factor added; a 400's message may be one per field, and the counters may be unreachable.
InvoiceFlowSecurityApi.login.__doc__ = (
    api_sign_in.documented(SecurityApi.login.__doc__)
    .replace(
        "            500:\n",
        "            429:\n"
        "              description: >-\n"
        "                Too many failed logins, or too many wrong second-factor codes in a row\n"
        "                (it is locked for a while); Retry-After gives the seconds to wait\n"
        "            503:\n"
        "              $ref: '#/components/responses/Busy'\n"
        "            500:\n",
    )
    .replace("'#/components/responses/400'", "'#/components/responses/BadRequest'")
)


class InvoiceFlowSecurityManager(DirectoryTlsMixin, SecurityManager):
    userdbmodelview = InvoiceFlowUserView
    rolemodelview = InvoiceFlowRoleView
    # Roles, groups and FAB's permission registries in the reader's words.
    groupmodelview = role_labels.GroupView
    permissionmodelview = role_labels.PermissionView
    viewmenumodelview = role_labels.ViewMenuView
    permissionviewmodelview = role_labels.PermissionOnViewView
    authdbview = InvoiceFlowAuthDBView
    # Single sign-on (app/sso): the same user screens (users are deactivated, never deleted),
    # sign-in pages through the app's own steps.
    authldapview = sso_views.InvoiceFlowAuthLDAPView
    authoauthview = sso_views.InvoiceFlowAuthOAuthView
    userldapmodelview = InvoiceFlowUserView
    useroauthmodelview = InvoiceFlowUserView
    security_api = InvoiceFlowSecurityApi
    resetmypasswordview = ChangeMyPasswordView
    resetpasswordview = SetUserPasswordView
    # FAB's User's Statistics page loads its chart script from a CDN, so it stays blank on a
    # closed network; the dashboard draws with Chart.js from the app's static files instead.
    userstatschartview = None

    def __init__(self, appbuilder):
        sso_settings.configure(current_app.config)  # FAB reads OAUTH_PROVIDERS in __init__
        super().__init__(appbuilder)
        config = current_app.config
        self._role_pairs = permissions.KeptPairs(config["ROLE_PERMISSIONS_TTL_SECONDS"])
        self.login_attempts = LoginAttempts(
            config["LOGIN_LIMIT_STORAGE_URL"],
            per_minute=config["LOGIN_FAILURES_PER_MINUTE"],
            per_hour=config["LOGIN_FAILURES_PER_HOUR"],
            key_prefix=config["LOGIN_LIMIT_KEY_PREFIX"],
        )
        # The security screens too: /users/show/10**30 is a 404.
        for view in (
            self.userdbmodelview,
            self.rolemodelview,
            self.groupmodelview,
            self.permissionmodelview,
            self.viewmenumodelview,
            self.permissionviewmodelview,
        ):
            view.datamodel = RowIdInterface(view.datamodel.obj)

    def auth_user_db(self, username, password):
        """FAB's password check for the UI and the API; every failure is counted, against the
        user the name or e-mail typed belongs to. With single sign-on, only the break-glass
        users have a password here (auth_user_local)."""
        if sso_settings.is_single_sign_on(current_app.config):
            return self.auth_user_local(username, password)
        return self._counted(username, super().auth_user_db(username, password))

    def auth_user_local(self, username, password):
        """The password kept here, for AUTH_LOCAL_LOGIN_USERS only (by user name)."""
        allowed = sso_settings.is_local_only(current_app.config, username)
        user = super().auth_user_db(username, password) if allowed else None
        return self._counted(username, user)

    def auth_user_ldap(self, username, password):
        """FAB's LDAP sign-in (roles from groups, synced each time); failures are counted like
        the app's own. A break-glass name is never looked up in the directory."""
        config = current_app.config
        ldap = config["AUTH_TYPE"] == AUTH_LDAP and not sso_settings.is_local_only(config, username)
        user = super().auth_user_ldap(username, password) if ldap else None
        return self._counted(username, user)

    def auth_user_oauth(self, userinfo):
        """FAB's OpenID Connect sign-in; a provider naming a break-glass user is refused."""
        if sso_settings.is_local_only(current_app.config, userinfo.get("username")):
            return None
        return super().auth_user_oauth(userinfo)

    def get_oauth_user_info(self, provider, resp):
        return sso_oidc.user_info(self.oauth_remotes[provider], resp, current_app.config)

    def set_oauth_session(self, provider, oauth_response):
        """FAB keeps the provider's token in the session cookie for later API calls; the app
        makes none, so it is not kept."""

    @property
    def auth_user_registration(self) -> bool:
        """A first SSO sign-in (a request) creates the user. Never self-registration: FAB asks
        at start-up whether to add its registration pages, and the answer then is no."""
        config = current_app.config
        return (
            has_request_context()
            and sso_settings.is_single_sign_on(config)
            and bool(config["AUTH_USER_REGISTRATION"])
        )

    def register_views(self):
        super().register_views()
        if not sso_settings.is_single_sign_on(current_app.config):
            return
        # Passwords kept here still exist (the break-glass users', one an admin sets): the
        # screens for them, which FAB adds with AUTH_DB only, and the break-glass sign-in.
        self.appbuilder.add_view_no_menu(self.resetpasswordview())
        self.appbuilder.add_view_no_menu(self.resetmypasswordview())
        if current_app.config["AUTH_LOCAL_LOGIN_USERS"]:
            self.appbuilder.add_view_no_menu(sso_views.LocalSignInView())

    def _counted(self, typed, user):
        if user is None:
            self.login_attempts.record_failure(self._login_account(typed), request.remote_addr)
        return user

    def login_retry_after(self, username: str) -> int:
        """Seconds the client must wait before trying this account again; 0 when it may now.
        A user name and the user's e-mail are one account."""
        return self.login_attempts.retry_after(self._login_account(username), request.remote_addr)

    def user_retry_after(self, user_id: int) -> int:
        """The same, for a user already known (a second-factor code, a current password)."""
        return self.login_attempts.retry_after(account_key(user_id), request.remote_addr)

    def record_user_failure(self, user_id: int) -> None:
        self.login_attempts.record_failure(account_key(user_id), request.remote_addr)

    def _login_account(self, typed) -> str:
        """As FAB's login finds the user: by user name, else by e-mail."""
        typed = typed if isinstance(typed, str) else ""
        user = (self.find_user(username=typed) or self.find_user(email=typed)) if typed else None
        return account_key(user.id if user is not None else None, typed)

    def get_user_by_id(self, pk):
        """The signed-in user with roles, groups, sign-in guard row and the delegations in force
        in one query (every request loads it; app/web/sessions.py compares the generation with
        the session's, the sign-in steps read the same row, and the rule of who holds a task
        the delegations)."""
        found = {"user_id": pk, "now": utcnow()}
        row = self.session.execute(self._signed_in_user_query, found).unique().first()
        if row is None:
            return None
        user, security, required, delegations = row
        remember_delegations(self.session, user.id, delegations)
        user.session_generation = security.session_generation if security else FIRST_GENERATION
        setattr(user, GUARD_ATTRIBUTE, LoadedGuard(security, bool(required)))
        return user

    @cached_property
    def _signed_in_user_query(self):  # built once: building it costs more than running it
        model = self.user_model
        return (
            select(
                model,
                UserSecurity,
                second_factor_required_of(model.id),
                delegations_in_force_column(model.id),
            )
            .outerjoin(UserSecurity, UserSecurity.user_id == model.id)
            .where(model.id == bindparam("user_id"))
            .options(joinedload(model.roles), joinedload(model.groups).joinedload(Group.roles))
        )

    def is_item_public(self, permission_name: str, view_name: str) -> bool:
        """FAB asks before every API call, signed in or not: keep the answer for a short while."""
        return (permission_name, view_name) in self._public_permissions()

    def _public_permissions(self) -> frozenset[tuple[str, str]]:
        """Read again after an edit of any role's permissions committed in this process, or
        after PUBLIC_PERMISSIONS_TTL_SECONDS (edits made by other processes)."""
        now = time.monotonic()
        cached = getattr(self, "_public_cache", None)
        ttl = current_app.config["PUBLIC_PERMISSIONS_TTL_SECONDS"]
        if cached is None or now - cached[0] >= ttl or cached[2] != permission_edits.count():
            rows = self.session.execute(
                permissions.permission_pairs()
                .join(Role, Role.id == assoc_permissionview_role.c.role_id)
                .where(Role.name == self.auth_role_public)
            )
            cached = (now, frozenset((perm, view) for perm, view in rows), permission_edits.count())
            self._public_cache = cached
        return cached[1]

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        return (permission_name, view_name) in self._cached_permissions(user)

    def _get_user_permission_view_menus(self, user, permission_name, view_menus_name):
        if user is None:
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
        granted = self._cached_permissions(user)
        names = view_menus_name or [view for _perm, view in granted]
        return {name for name in names if (permission_name, name) in granted}

    def _cached_permissions(self, user) -> frozenset[tuple[str, str]]:
        """All of the user's (permission, view) pairs, kept per process (permissions.KeptPairs)."""
        if not getattr(user, "is_authenticated", False):
            return self._public_permissions()
        role_ids = frozenset(role.id for role in self.get_user_roles(user))
        granted = self._role_pairs.of(self.session, role_ids, permission_edits.count())
        return granted | SIGNED_IN_BASELINE if role_ids else granted

    def add_permissions_view(self, base_permissions, view_menu):
        """FAB keeps on a view menu only what the views registered on it declare, and deletes
        the rest at each sync: declare there too every pair the app checks or seeds."""
        extra = [perm for perm, view in sorted(declared_pairs()) if view == view_menu]
        declared = list(dict.fromkeys([*base_permissions, *extra]))
        super().add_permissions_view(declared, view_menu)
