"""FAB's generated forms and lists, with saves routed through a service."""

from __future__ import annotations

from flask import abort, jsonify, request, session
from flask_appbuilder import ModelView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access

from app.errors import InvoiceFlowError, ServiceUnavailableError, ValidationError
from app.i18n import _
from app.web import context
from app.web.context import say

READ_WRITE = {
    "list": "read",
    "show": "read",
    "add": "write",
    "edit": "write",
    "download": "read",
    "action": "write",
    "action_post": "write",
    "api_read": "read",
    "api_get": "read",
    "api": "read",
    "api_column_add": "write",
    "api_column_edit": "write",
    "api_readvalues": "read",
    "submit": "write",
    "withdraw": "write",
    "confirm_withdraw": "write",
    "choices": "read",
    "approver_choices": "write",
}
CHOICES_PAGE = 20
CHOICES_MAX_PAGE = 500  # nobody scrolls 10,000 entries: type more of the name instead


def choices_answer(search, describe):
    """One page of a searching select box: {"results": [{"id", "text"}], "more": bool}."""
    text = request.args.get("q", "")
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), CHOICES_MAX_PAGE)
    rows = search(context.session(), text, CHOICES_PAGE + 1, (page - 1) * CHOICES_PAGE)
    return jsonify(
        results=[{"id": row.id, "text": describe(row)} for row in rows[:CHOICES_PAGE]],
        more=len(rows) > CHOICES_PAGE,
    )


class KeptHistory:
    """FAB's back-navigation history, written only when it changes: FAB assigns it at every
    list and card page, so a page read again (the list, reloaded) re-signed and re-sent the
    whole session cookie for nothing."""

    def update_redirect(self):
        history = session.get("page_history") or []
        if history and history[-1] == request.url:
            return  # FAB's stack keeps no two equal pages in a row: nothing would change
        super().update_redirect()


class ServiceModelView(KeptHistory, ModelView):
    """Subclasses implement save(form, item) by calling their service; nothing else writes."""

    method_permission_name = READ_WRITE
    base_permissions = ["can_read", "can_write"]
    # Form field names for service error keys that differ from them.
    error_fields: dict[str, str] = {}
    # Fields the service checks. Their generated checks (FAB's required, length, date format)
    # would stop the save before the service runs and hide its messages for the other fields:
    # they are dropped, so every field's message shows at once.
    service_checked: tuple[str, ...] = ()

    def save(self, form, item):  # pragma: no cover - abstract
        raise NotImplementedError

    def _add(self):
        form = self._checked_by_the_service(self.add_form.refresh())
        if request.method == "POST" and form.validate() and self._save(form, None):
            return None
        return self._get_add_widget(form=form)

    def _edit(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        if request.method == "POST":
            form = self._checked_by_the_service(self.edit_form.refresh(request.form))
            form._id = pk
            if form.validate() and self._save(form, item):
                return None
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
        return self._get_edit_widget(form=form)

    def _checked_by_the_service(self, form):
        for name in self.service_checked:
            if name in form._fields:
                form._fields[name].validators = ()  # the asterisk (a flag) stays
        return form

    def _save(self, form, item) -> bool:
        try:
            self.save(form, item)
        except ValidationError as exc:
            self._show_field_errors(form, exc.errors)
            return False
        except ServiceUnavailableError:
            raise  # 503 with Retry-After (the file storage down...), not a 200 form
        except InvoiceFlowError as exc:
            say(str(exc.message), "danger")
            return False
        return True

    def _show_field_errors(self, form, errors: dict) -> None:
        for key, messages in errors.items():
            field = form._fields.get(self.error_fields.get(key, key))
            if field is None:
                for message in messages:
                    say(f"{key}: {message}", "danger")
                continue
            field.errors = list(field.errors or []) + [str(m) for m in messages]
        say(_("Please correct the fields marked below."), "danger")

    def _delete(self, pk):
        abort(405)  # nothing in InvoiceFlow is deleted: invoices are cancelled instead

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename):
        # FAB's file route ignores row-level filters; files are served by AttachmentView only.
        abort(404)
