"""A user's own password and second factor; an admin's password and second-factor actions on
the users screen; the sign-in rules screen. Views parse, call one service, render."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, request, url_for
from flask import session as browser_session
from flask_appbuilder import BaseView, actions, expose
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.views import ResetMyPasswordView, ResetPasswordView
from markupsafe import Markup
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo
from wtforms.validators import ValidationError as FieldError

from app.domain.ids import parse_id
from app.errors import InvoiceFlowError, NotFoundError, ValidationError
from app.i18n import _
from app.models.sealed import seal, unseal
from app.services import passwords, second_factor, sign_in_rules
from app.services.passwords import PasswordPolicy
from app.web import context
from app.web.context import say
from app.web.qr import qr_svg
from app.web.views.sign_in import keep_signed_in, too_many_failures


def password_policy() -> PasswordPolicy:
    return PasswordPolicy.from_config(current_app.config)


def rules_text():
    return _(
        "At least %(n)d characters; not your user name; not a common password.",
        n=current_app.config["PASSWORD_MIN_LENGTH"],
    )


class FollowsPasswordRules:
    """Field check for forms that set a password: the rules, with the form's user name."""

    def __call__(self, form, field):
        username = form.username.data if "username" in form else ""
        try:
            passwords.check_new_password(field.data, username or "", password_policy())
        except ValidationError as exc:
            raise FieldError(" ".join(str(m) for m in exc.errors["password"])) from exc


# Declared before the new-password fields: the form shows it first.
CURRENT_PASSWORD = PasswordField(
    _("Current password"), validators=[DataRequired()], widget=BS3PasswordFieldWidget()
)


class SetPasswordForm(DynamicForm):
    password = PasswordField(
        _("New password"), validators=[DataRequired()], widget=BS3PasswordFieldWidget()
    )
    conf_password = PasswordField(
        _("Confirm the new password"),
        validators=[EqualTo("password", message=_("Passwords must match"))],
        widget=BS3PasswordFieldWidget(),
    )


class ChangeMyPasswordForm(SetPasswordForm):
    current_password = CURRENT_PASSWORD


class PasswordFormView:
    """Shows a service's refusal on the form's fields (422)."""

    def _refused(self, form, exc: ValidationError):
        for key, messages in exc.errors.items():
            field = form._fields.get(key) or form.password
            field.errors = list(field.errors or []) + [str(m) for m in messages]
        return self._page(form), 422

    def _page(self, form):
        form.password.description = rules_text()
        return self.render_template(
            self.form_template,
            title=self.form_title,
            widgets=self._get_edit_widget(form=form),
            appbuilder=self.appbuilder,
        )

    def form_get(self, form) -> None:
        form.password.description = rules_text()


class ChangeMyPasswordView(PasswordFormView, ResetMyPasswordView):
    """The signed-in user changes their password: the current one is required."""

    class_permission_name = "ResetMyPasswordView"
    form = ChangeMyPasswordForm
    form_title = _("Change your password")

    def form_post(self, form):
        sm = self.appbuilder.sm
        wait = sm.user_retry_after(g.user.id)  # a wrong current password counts as a login
        if wait:
            form.current_password.errors = [str(too_many_failures(wait))]
            return self._page(form), 429, {"Retry-After": str(wait)}
        try:
            generation = passwords.change_own_password(
                context.session(),
                g.user,
                form.current_password.data,
                form.password.data,
                password_policy(),
            )
        except ValidationError as exc:
            if "current_password" in exc.errors:
                sm.record_user_failure(g.user.id)
            return self._refused(form, exc)
        keep_signed_in(generation)
        say(_("Your password was changed; your other sessions were signed out."), "success")
        return redirect(self.appbuilder.get_url_for_index)


class SetUserPasswordView(PasswordFormView, ResetPasswordView):
    """An admin sets a user's password; the user chooses their own at the next sign-in."""

    class_permission_name = "ResetPasswordView"
    form = SetPasswordForm
    form_title = _("Set the user's password")

    def form_post(self, form):
        user_id = parse_id(request.args.get("pk"))
        try:
            passwords.set_password_by_admin(
                context.session(), g.user, user_id, form.password.data, password_policy()
            )
        except NotFoundError:
            abort(404)
        except ValidationError as exc:
            return self._refused(form, exc)
        say(
            _("Password set. The user was signed out and must choose their own at sign-in."),
            "success",
        )
        return redirect(url_for("InvoiceFlowUserView.show", pk=user_id))


class UserSecurityActions:
    """Mixed into the users screen: the rules on a new user's password, and two actions.
    Actions that act on one user are refused (400) when the list screen sends several, and an
    unknown action is a 404, never an error inside Flask-AppBuilder."""

    add_form_extra_fields = {
        "password": PasswordField(
            _("Password"),
            description=_("The user chooses their own at the first sign-in."),
            validators=[DataRequired(), FollowsPasswordRules()],
            widget=BS3PasswordFieldWidget(),
        ),
        "conf_password": PasswordField(
            _("Confirm Password"),
            validators=[DataRequired(), EqualTo("password", message=_("Passwords must match"))],
            widget=BS3PasswordFieldWidget(),
        ),
    }

    def post_add(self, item):
        passwords.require_own_password(context.session(), g.user, item.id)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        names = ("resetpasswords", "forcepasswordreset", "resetsecondfactor")
        actions = {name: self.actions[name] for name in names if name in self.actions}
        widgets = self._get_show_widget(pk, item, actions=actions)
        self.update_redirect()
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            appbuilder=self.appbuilder,
            related_views=self._related_views,
        )

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        item = self._action_or_404(name)
        if not self._may_run(item) or not self.is_get_mutation_allowed():
            return super().action(name, pk)  # Flask-AppBuilder's refusal
        return item.func(self._user_or_404(pk))

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        item = self._action_or_404(request.form.get("action", ""))
        if item.multiple or not self._may_run(item):
            return super().action_post()
        pks = request.form.getlist("rowid")
        if len(pks) != 1:
            abort(400, description=_("Choose one user for this action."))
        return item.func(self._user_or_404(pks[0]))

    def _action_or_404(self, name):
        item = self.actions.get(name)
        if item is None:
            abort(404)
        return item

    def _may_run(self, item) -> bool:
        permission = self.get_action_permission_name(item.name)
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def _user_or_404(self, pk):
        user = self.datamodel.get(pk)
        if user is None:
            abort(404)
        return user

    @actions.action(
        "forcepasswordreset",
        _("Force password reset"),
        _("Sign the user out everywhere and make them choose a new password at sign-in?"),
        "fa-key",
        multiple=False,
    )
    def forcepasswordreset(self, item):
        if item is None:
            abort(404)
        passwords.force_password_reset(context.session(), g.user, item.id)
        say(_("The user was signed out and must choose a new password at sign-in."), "success")
        return redirect(url_for("InvoiceFlowUserView.show", pk=item.id))

    @actions.action(
        "resetsecondfactor",
        _("Reset second factor"),
        _("Remove the user second factor (a lost phone) and sign them out everywhere?"),
        "fa-mobile",
        multiple=False,
    )
    def resetsecondfactor(self, item):
        if item is None:
            abort(404)
        second_factor.reset_second_factor(context.session(), g.user, item.id)
        say(_("The second factor was removed and the user signed out."), "success")
        return redirect(url_for("InvoiceFlowUserView.show", pk=item.id))


class SecondFactorView(BaseView):
    """The signed-in user sets up or turns off their second factor (an authenticator app)."""

    route_base = "/account/second-factor"
    default_view = "index"
    # Every signed-in user holds can_read on it (app/role_defaults.py, SELF_SERVICE).
    class_permission_name = "SecondFactor"
    method_permission_name = {"index": "read", "confirm": "read", "disable": "read"}
    base_permissions = ["can_read"]

    @expose("/", methods=["GET"])
    @has_access
    def index(self):
        return self._show()

    @expose("/confirm", methods=["POST"])
    @has_access
    def confirm(self):
        secret = unseal(browser_session.get(PENDING_KEY))
        try:
            second_factor.confirm_enrolment(
                context.session(), g.user, secret, request.form.get("code")
            )
        except ValidationError as exc:
            return self._show(exc.errors, 422)
        except InvoiceFlowError as exc:
            say(exc.message, "warning")
            return redirect(url_for(".index"))
        browser_session.pop(PENDING_KEY, None)
        say(_("Second factor set up: each sign-in now asks for a code from your app."), "success")
        return redirect(self.appbuilder.get_url_for_index)

    @expose("/disable", methods=["POST"])
    @has_access
    def disable(self):
        sm = self.appbuilder.sm
        wait = sm.user_retry_after(g.user.id)  # wrong passwords and codes count as logins
        if wait:
            return self._show({"": [too_many_failures(wait)]}, 429, {"Retry-After": str(wait)})
        try:
            second_factor.disable_second_factor(
                context.session(), g.user, request.form.get("password"), request.form.get("code")
            )
        except ValidationError as exc:
            sm.record_user_failure(g.user.id)
            return self._show(exc.errors, 422)
        except InvoiceFlowError as exc:
            return self._show({"": [exc.message]}, exc.status_code)
        say(_("Second factor turned off."), "success")
        return redirect(url_for(".index"))

    def _show(self, errors: dict | None = None, status: int = 200, headers=None):
        session, user = context.session(), g.user
        values = {
            "required": sign_in_rules.second_factor_required(session, user),
            "enrolled": second_factor.is_enrolled(session, user.id),
            "errors": {key: [str(m) for m in messages] for key, messages in (errors or {}).items()},
        }
        if not values["enrolled"]:
            secret = _pending_secret()
            uri = second_factor.provisioning_uri(
                secret, user.username, current_app.config["TOTP_ISSUER"]
            )
            values["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
            svg = qr_svg(uri, str(_("QR code for your authenticator app")))
            values["qr"] = Markup(svg)  # noqa: S704 - segno's SVG of our own address
        page = self.render_template(
            "account/second_factor.html", title=_("Second factor"), **values
        )
        return page, status, headers or {}


# The key this browser is setting up, sealed in its session: made at its first view of the
# set-up page, the same while it reloads, gone when confirmed or the session ends. Never in
# the database before a first code confirms it.
PENDING_KEY = "second_factor_key"


def _pending_secret() -> str:
    secret = unseal(browser_session.get(PENDING_KEY))
    if not second_factor.is_secret(secret):
        secret = second_factor.new_secret()
        browser_session[PENDING_KEY] = seal(secret)
    return secret


class SignInRulesView(BaseView):
    """Admins choose the roles whose holders must have a second factor."""

    route_base = "/sign-in-rules"
    default_view = "index"
    class_permission_name = "SignInRules"
    method_permission_name = {"index": "read", "save": "write"}
    base_permissions = ["can_read", "can_write"]

    @expose("/", methods=["GET"])
    @has_access
    def index(self):
        rules = sign_in_rules.role_rules(context.session())
        return self.render_template(
            "account/sign_in_rules.html", rules=rules, title=_("Sign-in rules")
        )

    @expose("/", methods=["POST"])
    @has_access
    def save(self):
        saved = sign_in_rules.set_second_factor_roles(
            context.session(), g.user, request.form.getlist("second_factor")
        )
        if saved.generation is not None:  # the admin's own other sessions and tokens ended
            keep_signed_in(saved.generation)
        names = saved.names
        if names:
            say(_("A second factor is now required for: %(roles)s.", roles=", ".join(names)))
        else:
            say(_("No role requires a second factor now."))
        return redirect(url_for(".index"))
