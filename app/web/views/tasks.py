"""My tasks and the task page: decide, correct, pay; administrators reassign."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.domain.task_filters import DUE_CHOICES, FORM_KINDS, FORM_LABELS, read_task_filter
from app.errors import (
    ConcurrentEditError,
    FileTooLargeError,
    InvoiceNotEditableError,
    ValidationError,
)
from app.i18n import _
from app.models.base import utcnow
from app.services.acknowledge_task import acknowledge_task
from app.services.bulk_decide import APPROVED, bulk_decide, may_decide_in_bulk, summary_of
from app.services.complete_task import decide
from app.services.my_tasks import my_open_tasks_matching, my_task_counterparties
from app.services.pay_invoice import pay_invoice
from app.services.reassign_task import reassign_choices, reassign_task
from app.services.resubmit_invoice import resubmit_invoice
from app.services.task_page import load_task_page
from app.web import context, payment_form
from app.web.context import say
from app.web.datamodel import LAST_PAGE
from app.web.date_input import reader_today
from app.web.templating import task_title
from app.web.views.invoices import LABELS

PAGE_SIZE = 50
# A form posted from a tab that was open too long: the task was handled meanwhile.
STALE = (ConcurrentEditError, InvoiceNotEditableError)


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
        "bulk_approve": "read",
        "confirm_reassign": "read",
    }
    base_permissions = ["can_read"]
    default_view = "mine"

    @expose("/")
    @has_access
    def mine(self):
        return self._my_tasks()

    @expose("/bulk-approve", methods=["POST"])
    @has_access
    def bulk_approve(self):
        comment = request.form.get("comment")
        try:
            results = bulk_decide(
                context.session(),
                context.actor(),
                request.form.getlist("task_id"),
                "approve",
                comment,
                context.bulk_max_tasks(),
            )
        except ValidationError as exc:
            for messages in exc.errors.values():
                for message in messages:
                    say(str(message), "danger")
            return self._my_tasks(comment=comment), 422
        done = all(result.outcome == APPROVED for result in results)
        say(summary_of(results), "success" if done else "warning")
        return self._my_tasks(results=results)

    def _my_tasks(self, results=None, comment=None):
        task_filter = read_task_filter(request.args)
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), LAST_PAGE)
        now = utcnow()
        rows = my_open_tasks_matching(
            context.session(),
            context.actor(),
            task_filter,
            now,
            PAGE_SIZE + 1,
            (page - 1) * PAGE_SIZE,
        )
        return self.render_template(
            "tasks/mine.html",
            rows=rows[:PAGE_SIZE],
            page=page,
            has_next=len(rows) > PAGE_SIZE,
            now=now,
            task_filter=task_filter,
            counterparties=my_task_counterparties(context.session(), context.actor()),
            kinds=[(kind, FORM_LABELS[kind]) for kind in FORM_KINDS],
            due_choices=DUE_CHOICES,
            may_approve=may_decide_in_bulk(context.actor()),
            results=results,
            comment=comment,
            max_tasks=context.bulk_max_tasks(),
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
        except STALE as exc:
            return self._stale(task_id, exc)
        say(_("Your decision is recorded."), "success")
        return redirect(url_for(".mine"))

    @expose("/<task_id>/acknowledge", methods=["POST"])
    @has_access
    def acknowledge(self, task_id):
        try:
            acknowledge_task(context.session(), context.actor(), task_id, request.form.get("note"))
        except ValidationError as exc:
            return self._refused(task_id, exc)
        except STALE as exc:
            return self._stale(task_id, exc)
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
        except STALE as exc:
            return self._stale(task_id, exc)
        say(_("The invoice went back to its approvers."), "success")
        return redirect(url_for(".mine"))

    @expose("/<task_id>/pay", methods=["POST"])
    @has_access
    def pay(self, task_id):
        page = load_task_page(context.session(), context.actor(), task_id)
        actor_id, guid = context.actor().id, page.task.task_guid
        order, kept = payment_form.chosen_order(actor_id, guid)
        try:
            pay_invoice(
                context.session(),
                context.actor(),
                page.task.invoice_id,
                request.form.to_dict(),
                order,
                context.file_storage(),
                context.max_file_size(),
                reader_today(),
            )
        except (ValidationError, FileTooLargeError) as exc:
            held = payment_form.keep_after_refusal(
                order, kept, exc, actor_id, guid, context.max_file_size()
            )
            return self._refused(task_id, exc, held=held)
        except STALE as exc:
            return self._stale(task_id, exc)
        payment_form.paid(kept, actor_id, guid)
        say(_("Payment recorded; the initiator is told."), "success")
        return redirect(url_for(".mine"))

    @expose("/<task_id>/reassign/confirm", methods=["POST"])
    @has_access
    def confirm_reassign(self, task_id):
        """Without scripts, the reassign form asks here first (with them, a dialog does)."""
        page = load_task_page(context.session(), context.actor(), task_id)
        users = reassign_choices(context.session(), context.actor(), page.task, page.card.invoice)
        if not users:  # nobody to hand it to, or not this person's to hand: the task page says
            return redirect(url_for(".show", task_id=task_id))
        chosen = request.form.get("user_id", "")
        person = next((u for u in users if str(u.id) == chosen), None)
        name = f"{person.first_name} {person.last_name}" if person else None
        question = (
            _("Hand this task to %(person)s?", person=name)
            if name
            else _("Hand this task to the person chosen?")
        )
        return self.render_template(
            "confirm.html",
            title=_("Reassign"),
            heading=task_title(page.task),
            question=question,
            details=[],
            action=url_for(".reassign", task_id=task_id),
            fields={"user_id": chosen},
            confirm_label=_("Reassign"),
            confirm_style="primary",
            cancel_url=url_for(".show", task_id=task_id),
        )

    @expose("/<task_id>/reassign", methods=["POST"])
    @has_access
    def reassign(self, task_id):
        try:
            reassign_task(context.session(), context.actor(), task_id, request.form.get("user_id"))
        except ValidationError as exc:
            return self._refused(task_id, exc)
        except STALE as exc:
            return self._stale(task_id, exc)
        say(_("Task reassigned."), "success")
        return redirect(url_for(".show", task_id=task_id))

    def _refused(self, task_id, exc: ValidationError | FileTooLargeError, held=None):
        """The task page again, with the messages and what was typed (and the file chosen)."""
        messages = exc.errors.values() if isinstance(exc, ValidationError) else [[exc.message]]
        for field_messages in messages:
            for message in field_messages:
                say(str(message), "danger")
        return self._task_page(task_id, form=request.form, held=held), exc.status_code

    def _stale(self, task_id, exc: ConcurrentEditError | InvoiceNotEditableError):
        """A tab left open while someone else handled the task: what happened, what was not
        saved, and the way to the card as it is now."""
        page = load_task_page(context.session(), context.actor(), task_id)
        typed = next(
            (request.form[f] for f in ("comment", "note", "reference") if request.form.get(f)), ""
        )
        return self.render_template(
            "tasks/stale.html",
            page=page,
            message=str(exc.message),
            typed=typed,
            title=_("Already handled"),
        ), exc.status_code

    def _task_page(self, task_id, form=None, held=None):
        page = load_task_page(context.session(), context.actor(), task_id)
        users = reassign_choices(context.session(), context.actor(), page.task, page.card.invoice)
        return self.render_template(
            "tasks/task.html",
            page=page,
            card=page.card,
            labels=LABELS,
            users=users,
            today=reader_today(),
            title=_("Task"),
            form=form,
            held=held,
        )
