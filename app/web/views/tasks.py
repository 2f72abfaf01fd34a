"""My tasks and the task page: decide, correct, pay; administrators reassign."""

from __future__ import annotations

from datetime import date

from flask import redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import ValidationError
from app.i18n import _
from app.models.base import utcnow
from app.services.acknowledge_task import acknowledge_task
from app.services.attachments import IncomingFile
from app.services.complete_task import decide
from app.services.my_tasks import my_open_tasks
from app.services.pay_invoice import pay_invoice
from app.services.reassign_task import reassign_choices, reassign_task
from app.services.resubmit_invoice import resubmit_invoice
from app.services.task_page import load_task_page
from app.web import context
from app.web.context import say
from app.web.views.invoices import LABELS

PAGE_SIZE = 50


class TaskView(BaseView):
    route_base = "/tasks"
    class_permission_name = "Task"
    method_permission_name = {
        "mine": "read",
        "show": "read",
        "decision": "read",
        "resubmit": "read",
        "pay": "read",
        "reassign": "read",
        "acknowledge": "read",
    }
    base_permissions = ["can_read"]
    default_view = "mine"

    @expose("/")
    @has_access
    def mine(self):
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        rows = my_open_tasks(
            context.session(), context.actor(), PAGE_SIZE + 1, (page - 1) * PAGE_SIZE
        )
        return self.render_template(
            "tasks/mine.html",
            rows=rows[:PAGE_SIZE],
            page=page,
            has_next=len(rows) > PAGE_SIZE,
            now=utcnow(),
            title=_("My tasks"),
        )

    @expose("/<task_id>")
    @has_access
    def show(self, task_id):
        return self._task_page(task_id)

    @expose("/<task_id>/decision", methods=["POST"])
    @has_access
    def decision(self, task_id):
        try:
            decide(
                context.session(),
                context.actor(),
                task_id,
                request.form.get("decision"),
                request.form.get("comment"),
            )
        except ValidationError as exc:
            return self._refused(task_id, exc)
        say(_("Your decision is recorded."), "success")
        return redirect(url_for(".mine"))

    @expose("/<task_id>/acknowledge", methods=["POST"])
    @has_access
    def acknowledge(self, task_id):
        try:
            acknowledge_task(context.session(), context.actor(), task_id, request.form.get("note"))
        except ValidationError as exc:
            return self._refused(task_id, exc)
        say(_("Acknowledged."), "success")
        return redirect(url_for(".mine"))

    @expose("/<task_id>/resubmit", methods=["POST"])
    @has_access
    def resubmit(self, task_id):
        page = load_task_page(context.session(), context.actor(), task_id)
        try:
            resubmit_invoice(
                context.session(), context.actor(), page.task.invoice_id, context.invoice_policy()
            )
        except ValidationError as exc:
            return self._refused(task_id, exc)
        say(_("The invoice went back to its approvers."), "success")
        return redirect(url_for(".mine"))

    @expose("/<task_id>/pay", methods=["POST"])
    @has_access
    def pay(self, task_id):
        page = load_task_page(context.session(), context.actor(), task_id)
        upload = request.files.get("payment_order")
        order = IncomingFile(upload.filename, upload.read()) if upload and upload.filename else None
        try:
            pay_invoice(
                context.session(),
                context.actor(),
                page.task.invoice_id,
                request.form.to_dict(),
                order,
                context.file_storage(),
                context.max_file_size(),
                date.today(),
            )
        except ValidationError as exc:
            return self._refused(task_id, exc)
        say(_("Payment recorded; the initiator is told."), "success")
        return redirect(url_for(".mine"))

    @expose("/<task_id>/reassign", methods=["POST"])
    @has_access
    def reassign(self, task_id):
        try:
            reassign_task(context.session(), context.actor(), task_id, request.form.get("user_id"))
        except ValidationError as exc:
            return self._refused(task_id, exc)
        say(_("Task reassigned."), "success")
        return redirect(url_for(".show", task_id=task_id))

    def _refused(self, task_id, exc: ValidationError):
        for messages in exc.errors.values():
            for message in messages:
                say(str(message), "danger")
        return self._task_page(task_id, form=request.form), 422

    def _task_page(self, task_id, form=None):
        page = load_task_page(context.session(), context.actor(), task_id)
        users = reassign_choices(context.session(), context.actor(), page.task, page.card.invoice)
        return self.render_template(
            "tasks/task.html",
            page=page,
            card=page.card,
            labels=LABELS,
            users=users,
            today=date.today(),
            title=_("Task"),
            form=form,
        )
