"""Process diagrams: every participant sees an invoice's path; analysts manage versions."""

from __future__ import annotations

from flask import current_app, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import ValidationError
from app.i18n import _, current_language
from app.permissions import EDIT_PROCESSES, PUBLISH, READ_WAIT_REPORTS, allows
from app.roles import ADMIN, has_role
from app.services import process_catalog as catalog
from app.services.process_history import process_history
from app.services.process_view import invoice_diagram
from app.services.publish_process import DiagramRejectedError, existing_roles, make_current
from app.web import context
from app.web.context import say
from app.web.local_format import local_time
from app.web.templating import task_holder
from app.workflow.contract import END_STATUSES
from app.workflow.dmn import DECISION_ID, new_decision_table
from app.workflow.lint import FORMS
from app.workflow.problems import localized

# What the editor's New decision table puts in place of the id and the name the analyst gives.
NEW_ID, NEW_NAME = "new_table_id", "new table name"


class DiagramView(BaseView):
    route_base = "/diagram"
    class_permission_name = "Task"
    method_permission_name = {"invoice": "read"}
    base_permissions = ["can_read"]

    @expose("/invoice/<int:invoice_id>")
    @has_access
    def invoice(self, invoice_id):
        diagram = invoice_diagram(
            context.session(), context.actor(), invoice_id, current_language()
        )
        _done, open_tasks, _payments = process_history(context.session(), invoice_id)
        holders = {t.bpmn_id: f"{task_holder(t)} · {local_time(t.created_at)}" for t in open_tasks}
        return jsonify(
            xml=diagram.xml,
            version=diagram.version,
            done=diagram.done,
            waiting=diagram.waiting,
            holders=holders,
        )


class ProcessView(BaseView):
    """Analysts and administrators: versions, drafts, the editor, lint, publish."""

    route_base = "/process"
    class_permission_name = "Process"
    method_permission_name = {
        "index": "read",
        "version": "read",
        "download_version": "read",
        "download_draft": "read",
        "editor": "read",
        "make_current": "write",
        "new_draft": "write",
        "save_draft": "write",
        "publish": "write",
    }
    base_permissions = ["can_read", "can_write"]
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        session, actor = context.session(), context.actor()
        return self.render_template(
            "process/index.html",
            rows=catalog.versions(session, actor),
            drafts=catalog.drafts(session, actor),
            can_edit=allows(actor, EDIT_PROCESSES),
            can_publish=allows(actor, PUBLISH),
            title=_("Process"),
        )

    @expose("/version/<int:version_id>")
    @has_access
    def version(self, version_id):
        version = catalog.get_version(context.session(), context.actor(), version_id)
        return self.render_template(
            "process/version.html",
            version=version,
            move_allowed=has_role(context.actor(), ADMIN),
            can_see_waits=allows(context.actor(), READ_WAIT_REPORTS),
            title=_("Process version %(n)s", n=version.version),
        )

    @expose("/version/<int:version_id>/bpmn")
    @has_access
    def download_version(self, version_id):
        version = catalog.get_version(context.session(), context.actor(), version_id)
        return _bpmn_file(version.bpmn_xml, f"{version.process_id}-v{version.version}.bpmn")

    @expose("/version/<int:version_id>/make-current", methods=["POST"])
    @has_access
    def make_current(self, version_id):
        version = make_current(context.session(), context.actor(), version_id)
        say(_("Version %(n)s is now used for new invoices.", n=version.version), "success")
        return redirect(url_for(".index"))

    @expose("/drafts", methods=["POST"])
    @has_access
    def new_draft(self):
        upload = request.files.get("diagram")
        if upload and upload.filename:
            xml = upload.read().decode("utf-8", "replace")
            based_on, tables = None, None
        elif not request.form.get("version_id"):
            say(_("Choose a .bpmn file to import."), "warning")
            return redirect(url_for(".index"))
        else:
            version = catalog.get_version(
                context.session(), context.actor(), request.form.get("version_id")
            )
            xml, based_on, tables = version.bpmn_xml, version.version, version.decision_tables
        try:
            draft = catalog.save_draft(
                context.session(), context.actor(), xml, based_on=based_on, decision_tables=tables
            )
        except ValidationError as exc:
            say(str(exc.errors["diagram"][0]), "danger")
            return redirect(url_for(".index"))
        return redirect(url_for(".editor", draft_id=draft.id))

    @expose("/drafts/<int:draft_id>")
    @has_access
    def editor(self, draft_id):
        draft = catalog.get_draft(context.session(), context.actor(), draft_id)
        roles = sorted(existing_roles(context.session()))
        return self.render_template(
            "process/editor.html",
            draft=draft,
            decision_tables=catalog.draft_tables(context.session(), context.actor(), draft),
            new_table=new_decision_table(NEW_ID, NEW_NAME, str(_("Amount")), str(_("Outcome")))[1],
            decision_id_pattern=DECISION_ID,
            roles=roles,
            forms=FORMS,
            statuses=END_STATUSES,  # how an end event may end the invoice
            problems=localized(draft.problems),
            title=_("Edit the process"),
        )

    @expose("/drafts/<int:draft_id>/bpmn")
    @has_access
    def download_draft(self, draft_id):
        draft = catalog.get_draft(context.session(), context.actor(), draft_id)
        return _bpmn_file(draft.bpmn_xml, f"{draft.process_id}-draft-{draft.id}.bpmn")

    @expose("/drafts/<int:draft_id>/save", methods=["POST"])
    @has_access
    def save_draft(self, draft_id):
        """The editor's save: {"xml": the diagram, "decision_tables": {file name: DMN XML}}."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            body = {"xml": None}  # refused below with the diagram's message
        try:
            draft = catalog.save_draft(
                context.session(),
                context.actor(),
                body.get("xml"),
                draft_id=draft_id,
                decision_tables=body.get("decision_tables"),
            )
        except ValidationError as exc:
            return _not_saved(exc), 422
        return jsonify(saved=True, problems=localized(draft.problems))

    @expose("/drafts/<int:draft_id>/publish", methods=["POST"])
    @has_access
    def publish(self, draft_id):
        try:
            version = catalog.publish_draft(
                context.session(), context.actor(), draft_id, request.form.get("note")
            )
        except DiagramRejectedError as exc:
            for problem in exc.problems:
                say(str(problem), "danger")
            return redirect(url_for(".editor", draft_id=draft_id))
        except ValidationError as exc:
            for messages in exc.errors.values():
                say(str(messages[0]), "danger")
            return redirect(url_for(".editor", draft_id=draft_id))
        say(
            _("Published as version %(n)s: new invoices start on it.", n=version.version), "success"
        )
        return redirect(url_for(".index"))


def _not_saved(exc: ValidationError):
    """A refused save, in the shape of the check's problems: the editor lists them alike."""
    return jsonify(
        saved=False,
        problems=[
            {"severity": "error", "element_id": None, "line": None, "message": str(m)}
            for messages in exc.errors.values()
            for m in messages
        ],
    )


def _bpmn_file(xml: str, name: str):
    return current_app.response_class(
        xml,
        mimetype="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
