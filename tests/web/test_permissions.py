"""Every action is a permission a role holds: revoked on the Roles screen it is refused (403,
naming the action) in the UI and the API with nothing changed; granted back it works. The
process rules still apply beside it."""

from __future__ import annotations

import io
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from sqlalchemy import func, select

from app import create_app, permissions, roles
from app.errors import PermissionDeniedError
from app.extensions import db
from app.models import (
    Attachment,
    AuditEvent,
    HumanTask,
    Invoice,
    OutboxMessage,
    OutboxStatus,
    Payment,
    ProcessVersion,
    TaskStatus,
)
from app.services.invoice_input import InvoicePolicy
from app.services.submit_invoice import submit_invoice
from tests import clock
from tests.databases import temporary_database
from tests.web.forms import PDF

LEGAL_DIAGRAM = (
    Path(__file__).parents[1] / "workflow" / "diagrams" / "invoice_approval_with_legal.bpmn"
)


class Grants:
    """What an admin does on the Roles screen, undone after the test (roles outlive tests)."""

    def __init__(self, app):
        self.app = app
        self.revoked: list[tuple[str, permissions.Action]] = []

    def revoke(self, role_name: str, action: permissions.Action) -> None:
        with self.app.app_context():
            sm = self.app.appbuilder.sm
            sm.del_permission_role(sm.find_role(role_name), self._pv(action))
            db.session.remove()
        self.revoked.append((role_name, action))

    def grant(self, role_name: str, action: permissions.Action) -> None:
        with self.app.app_context():
            sm = self.app.appbuilder.sm
            role, pv = sm.find_role(role_name), self._pv(action)
            if pv not in role.permissions:
                sm.add_permission_role(role, pv)
            db.session.remove()

    def restore(self) -> None:
        for role_name, action in self.revoked:
            self.grant(role_name, action)

    def _pv(self, action: permissions.Action):
        return self.app.appbuilder.sm.find_permission_view_menu(*action.pair)


@pytest.fixture
def grants(app):
    made = Grants(app)
    yield made
    made.restore()


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "alla": make.user("alla", roles.ANALYST),
        "audra": make.user("audra", roles.AUDITOR),
        "adam": make.user("adam", roles.ADMIN),
    }


@pytest.fixture
def draft(make, people):
    return make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])


def refusal_of(action: permissions.Action) -> str:
    return f"Your roles do not allow you to {action.label}."


def assert_refused(response, action: permissions.Action) -> None:
    assert response.status_code == 403, response.get_data(as_text=True)[:300]
    text = response.json["message"] if response.is_json else response.get_data(as_text=True)
    assert refusal_of(action) in text


def status_of(app, invoice: int) -> str:
    with app.app_context():
        status = db.session.get(Invoice, invoice).status
        db.session.remove()
    return status


def audit_actions(app, invoice: int | None = None) -> list[str]:
    with app.app_context():
        query = select(AuditEvent.action).order_by(AuditEvent.id)
        if invoice is not None:
            query = query.where(AuditEvent.invoice_id == invoice)
        actions = list(db.session.scalars(query))
        db.session.remove()
    return actions


def count(app, model, **where) -> int:
    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(model).filter_by(**where))
        db.session.remove()
    return found


def open_task(app, invoice: int) -> HumanTask:
    with app.app_context():
        task = db.session.scalars(
            select(HumanTask).where(
                HumanTask.invoice_id == invoice, HumanTask.status == TaskStatus.OPEN
            )
        ).one()
        db.session.expunge(task)
        db.session.remove()
    return task


def submitted(client, api_token, invoice: int) -> int:
    response = client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    assert response.status_code == 200, response.json
    return invoice


def approve(client, api_token, app, invoice: int, who: str = "anna"):
    guid = open_task(app, invoice).task_guid
    return client.post(
        f"/api/v1/tasks/{guid}/decision", headers=api_token(who), json={"decision": "approve"}
    )


# Each action ------------------------------------------------------------------------------


def test_submitting_needs_the_submit_permission(app, client, login, api_token, grants, draft):
    grants.revoke(roles.INITIATOR, permissions.SUBMIT)
    assert_refused(login("ivan").post(f"/invoices/{draft}/submit"), permissions.SUBMIT)
    api = client.post(f"/api/v1/invoices/{draft}/submit", headers=api_token("ivan"))
    assert_refused(api, permissions.SUBMIT)
    assert status_of(app, draft) == "draft"
    assert "submitted" not in audit_actions(app, draft)

    grants.grant(roles.INITIATOR, permissions.SUBMIT)
    submitted(client, api_token, draft)
    assert status_of(app, draft) == "in_approval"
    assert "submitted" in audit_actions(app, draft)


def test_withdrawing_needs_the_withdraw_permission(app, client, login, api_token, grants, draft):
    submitted(client, api_token, draft)
    grants.revoke(roles.INITIATOR, permissions.WITHDRAW)
    ui = login("ivan").post(f"/invoices/{draft}/withdraw", data={"reason": "Duplicate"})
    assert_refused(ui, permissions.WITHDRAW)
    api = client.post(
        f"/api/v1/invoices/{draft}/withdraw", headers=api_token("ivan"), json={"reason": "Dup"}
    )
    assert_refused(api, permissions.WITHDRAW)
    assert status_of(app, draft) == "in_approval"
    assert open_task(app, draft).status == TaskStatus.OPEN
    assert "withdrawn" not in audit_actions(app, draft)

    grants.grant(roles.INITIATOR, permissions.WITHDRAW)
    again = client.post(
        f"/api/v1/invoices/{draft}/withdraw", headers=api_token("ivan"), json={"reason": "Dup"}
    )
    assert again.status_code == 200, again.json
    assert status_of(app, draft) == "cancelled"


def test_deciding_needs_the_decide_permission(app, client, login, api_token, grants, draft):
    submitted(client, api_token, draft)
    guid = open_task(app, draft).task_guid
    assert 'data-test="decision-form"' in login("anna").get(f"/tasks/{guid}").get_data(as_text=True)
    grants.revoke(roles.APPROVER, permissions.DECIDE)
    page = login("anna").get(f"/tasks/{guid}")
    assert page.status_code == 200 and 'data-test="decision-form"' not in page.get_data(
        as_text=True
    )
    ui = login("anna").post(f"/tasks/{guid}/decision", data={"decision": "approve"})
    assert_refused(ui, permissions.DECIDE)
    assert_refused(approve(client, api_token, app, draft), permissions.DECIDE)
    assert open_task(app, draft).task_guid == guid
    assert status_of(app, draft) == "in_approval"
    assert "approved" not in audit_actions(app, draft)

    grants.grant(roles.APPROVER, permissions.DECIDE)
    assert approve(client, api_token, app, draft).status_code == 200
    assert status_of(app, draft) == "awaiting_payment"
    assert "approved" in audit_actions(app, draft)


def test_paying_needs_the_pay_permission(app, client, login, api_token, grants, draft):
    submitted(client, api_token, draft)
    assert approve(client, api_token, app, draft).status_code == 200
    guid = open_task(app, draft).task_guid
    grants.revoke(roles.FINANCE_DIRECTOR, permissions.PAY)
    assert_refused(login("fedor").post(f"/tasks/{guid}/pay", data={}), permissions.PAY)
    api = client.post(f"/api/v1/invoices/{draft}/pay", headers=api_token("fedor"), data={})
    assert_refused(api, permissions.PAY)
    assert status_of(app, draft) == "awaiting_payment"
    assert count(app, Payment, invoice_id=draft) == 0
    assert "paid" not in audit_actions(app, draft)

    grants.grant(roles.FINANCE_DIRECTOR, permissions.PAY)
    paid = client.post(f"/api/v1/invoices/{draft}/pay", headers=api_token("fedor"), data={})
    assert paid.status_code == 200, paid.json
    assert status_of(app, draft) == "paid"


def test_adding_files_needs_the_add_files_permission(app, client, login, api_token, grants, draft):
    submitted(client, api_token, draft)

    def upload_over_api():
        return client.post(
            f"/api/v1/invoice/{draft}/attachments",
            headers=api_token("anna"),
            data={"files": (io.BytesIO(PDF), "act.pdf"), "kind": "act"},
            content_type="multipart/form-data",
        )

    grants.revoke(roles.APPROVER, permissions.ADD_FILES)
    ui = login("anna").post(
        f"/files/upload/{draft}",
        data={"files": (io.BytesIO(PDF), "act.pdf"), "kind": "act"},
        content_type="multipart/form-data",
    )
    assert_refused(ui, permissions.ADD_FILES)
    assert_refused(upload_over_api(), permissions.ADD_FILES)
    assert count(app, Attachment, invoice_id=draft) == 0
    assert "file_added" not in audit_actions(app, draft)

    grants.grant(roles.APPROVER, permissions.ADD_FILES)
    assert upload_over_api().status_code == 201
    assert count(app, Attachment, invoice_id=draft) == 1
    assert "file_added" in audit_actions(app, draft)


def test_a_discussion_message_brings_no_files_without_the_add_files_permission(
    app, client, login, api_token, grants, draft
):
    grants.revoke(roles.INITIATOR, permissions.ADD_FILES)
    ivan = login("ivan")

    def post(text, name, over_api):
        data = {"text": text, "files": (io.BytesIO(PDF), name)}
        if over_api:
            return client.post(
                f"/api/v1/discussion/{draft}/messages",
                headers=api_token("ivan"),
                data=data,
                content_type="multipart/form-data",
            )
        return ivan.post(f"/discussion/{draft}/post", data=data, content_type="multipart/form-data")

    assert_refused(post("See the file.", "web.pdf", over_api=False), permissions.ADD_FILES)
    assert_refused(post("See the file.", "api.pdf", over_api=True), permissions.ADD_FILES)
    assert count(app, Attachment, invoice_id=draft) == 0
    assert "message_posted" not in audit_actions(app, draft)
    card = ivan.get(f"/invoices/show/{draft}").get_data(as_text=True)
    assert 'name="files" multiple' not in card  # the thread offers no attachment
    words_only = ivan.post(f"/discussion/{draft}/post", data={"text": "Just words."})
    assert words_only.status_code == 302
    assert "message_posted" in audit_actions(app, draft)

    grants.grant(roles.INITIATOR, permissions.ADD_FILES)
    assert 'name="files" multiple' in ivan.get(f"/invoices/show/{draft}").get_data(as_text=True)
    assert post("Now with the file.", "web.pdf", over_api=False).status_code == 302
    assert count(app, Attachment, invoice_id=draft) == 1


def test_reassigning_needs_the_reassign_permission(
    app, client, login, api_token, grants, people, draft
):
    submitted(client, api_token, draft)
    guid = open_task(app, draft).task_guid
    grants.revoke(roles.ADMIN, permissions.REASSIGN)
    admin = login("adam")
    page = admin.get(f"/tasks/{guid}").get_data(as_text=True)
    assert "Boris" not in page  # no one to hand the task to is offered
    grants.grant(roles.ADMIN, permissions.REASSIGN)
    assert "Boris" in admin.get(f"/tasks/{guid}").get_data(as_text=True)
    grants.revoke(roles.ADMIN, permissions.REASSIGN)
    refused = admin.post(f"/tasks/{guid}/reassign", data={"user_id": people["boris"]})
    assert_refused(refused, permissions.REASSIGN)
    assert open_task(app, draft).assignee_user_id == people["anna"]
    assert "reassigned" not in audit_actions(app, draft)

    grants.grant(roles.ADMIN, permissions.REASSIGN)
    done = admin.post(f"/tasks/{guid}/reassign", data={"user_id": people["boris"]})
    assert done.status_code == 302
    assert open_task(app, draft).assignee_user_id == people["boris"]
    assert "reassigned" in audit_actions(app, draft)


def test_publishing_needs_the_publish_permission(app, make, login, grants, people):
    make.lane_role("Legal")
    analyst = login("alla")
    imported = analyst.post(
        "/process/drafts",
        data={"diagram": (io.BytesIO(LEGAL_DIAGRAM.read_bytes()), "legal.bpmn")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302
    publish_url = imported.headers["Location"].rstrip("/") + "/publish"
    note = {"note": "Legal review above 100 000"}
    grants.revoke(roles.ANALYST, permissions.PUBLISH)
    assert_refused(analyst.post(publish_url, data=note), permissions.PUBLISH)
    assert count(app, ProcessVersion, process_id="invoice_approval") == 1
    assert "process_published" not in audit_actions(app)

    grants.grant(roles.ANALYST, permissions.PUBLISH)
    published = analyst.post(publish_url, data=note, follow_redirects=True)
    assert "Published as version 2" in published.get_data(as_text=True)

    grants.revoke(roles.ANALYST, permissions.PUBLISH)
    with app.app_context():
        first = db.session.scalar(select(ProcessVersion.id).where(ProcessVersion.version == 1))
        db.session.remove()
    assert_refused(analyst.post(f"/process/version/{first}/make-current"), permissions.PUBLISH)
    with app.app_context():
        current = db.session.scalar(
            select(ProcessVersion.version).where(ProcessVersion.is_current.is_(True))
        )
        db.session.remove()
    assert current == 2


def test_retrying_mail_needs_the_retry_permission(app, login, grants, people):
    with app.app_context():
        message = OutboxMessage(
            recipient_id=people["anna"],
            to_address="anna@example.com",
            kind="task_assigned",
            status=OutboxStatus.FAILED,
            attempts=8,
            message_id="<failed-1@invoiceflow.test>",
            dedupe_key="failed-1",
        )
        db.session.add(message)
        db.session.commit()
        message_id = message.id
        db.session.remove()
    grants.revoke(roles.ADMIN, permissions.RETRY_MAIL)
    admin = login("adam")
    assert_refused(admin.post("/outbox/retry", data={"ids": [message_id]}), permissions.RETRY_MAIL)
    assert count(app, OutboxMessage, id=message_id, status=OutboxStatus.FAILED) == 1
    assert "mail_retried" not in audit_actions(app)

    grants.grant(roles.ADMIN, permissions.RETRY_MAIL)
    assert admin.post("/outbox/retry", data={"ids": [message_id]}).status_code == 302
    assert count(app, OutboxMessage, id=message_id, status=OutboxStatus.PENDING) == 1
    assert "mail_retried" in audit_actions(app)


# The Roles screen, the baseline, the command line -----------------------------------------


def role_form(app, role_name: str, without: tuple[str, str] | None = None) -> dict:
    """The Roles screen's edit form as the browser posts it: the role's permissions, less one."""
    with app.app_context():
        role = app.appbuilder.sm.find_role(role_name)
        ids = [
            pv.id for pv in role.permissions if (pv.permission.name, pv.view_menu.name) != without
        ]
        pk = role.id
        db.session.remove()
    return {"pk": pk, "data": {"name": role_name, "permissions": ids}}


def test_an_admin_revokes_and_grants_back_deciding_on_the_roles_screen(
    app, client, login, api_token, grants, draft
):
    grants.revoked.append((roles.APPROVER, permissions.DECIDE))  # restored whatever happens
    submitted(client, api_token, draft)
    seeded = role_form(app, roles.APPROVER)
    revoked = role_form(app, roles.APPROVER, without=permissions.DECIDE.pair)
    assert len(revoked["data"]["permissions"]) == len(seeded["data"]["permissions"]) - 1
    admin = login("adam")
    saved = admin.post(f"/roles/edit/{revoked['pk']}", data=revoked["data"])
    assert saved.status_code == 302

    assert_refused(approve(client, api_token, app, draft), permissions.DECIDE)
    assert "approved" not in audit_actions(app, draft)

    admin = login("adam")
    assert admin.post(f"/roles/edit/{seeded['pk']}", data=seeded["data"]).status_code == 302
    assert approve(client, api_token, app, draft).status_code == 200
    assert status_of(app, draft) == "awaiting_payment"


def test_reading_tasks_is_a_permission_the_roles_screen_can_take_away(
    app, client, login, api_token, grants, people
):
    reading = permissions.Action("can_read", "Task", "read tasks")
    assert client.get("/api/v1/tasks/mine", headers=api_token("anna")).status_code == 200
    grants.revoke(roles.APPROVER, reading)
    assert client.get("/api/v1/tasks/mine", headers=api_token("anna")).status_code == 403
    assert login("anna").get("/tasks/").status_code == 403
    # Self-service stays: the profile is every signed-in user's.
    assert login("anna").get("/users/userinfo/").status_code == 200


def test_having_decide_does_not_let_an_approver_act_on_someone_elses_task(
    app, client, api_token, make, people
):
    approvers = [people["anna"], people["boris"]]
    invoice = make.invoice(people["ivan"], make.counterparty(), approvers=approvers)
    submitted(client, api_token, invoice)
    assert approve(client, api_token, app, invoice, who="anna").status_code == 200
    refused = approve(client, api_token, app, invoice, who="anna")  # boris's turn now
    assert refused.status_code == 403
    assert refused.json["message"] == "This task belongs to someone else."
    assert audit_actions(app, invoice).count("approved") == 1
    assert open_task(app, invoice).assignee_user_id == people["boris"]


def test_the_check_holds_on_the_command_line_too(app, grants, people, draft):
    """Commands act as a user with no request: the same permission decides."""
    grants.revoke(roles.INITIATOR, permissions.SUBMIT)
    with app.app_context():
        ivan = app.appbuilder.sm.find_user(username="ivan")
        with pytest.raises(PermissionDeniedError) as refused:
            submit_invoice(db.session, ivan, draft, InvoicePolicy(today=clock.today()))
        assert refusal_of(permissions.SUBMIT) in str(refused.value.message)
        db.session.remove()
    assert status_of(app, draft) == "draft"


# Auditors ---------------------------------------------------------------------------------


def test_auditors_read_the_process_versions_but_cannot_publish(app, login, people):
    with app.app_context():
        first = db.session.scalar(select(ProcessVersion.id).where(ProcessVersion.version == 1))
        db.session.remove()
    auditor = login("audra")
    index = auditor.get("/process/")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    assert f"/process/version/{first}" in page
    assert "Import a .bpmn file" not in page and "Make current" not in page
    assert auditor.get(f"/process/version/{first}").status_code == 200
    assert auditor.get(f"/process/version/{first}/bpmn").status_code == 200
    assert auditor.post(f"/process/version/{first}/make-current").status_code == 403
    diagram = {"diagram": (io.BytesIO(LEGAL_DIAGRAM.read_bytes()), "legal.bpmn")}
    imported = auditor.post("/process/drafts", data=diagram, content_type="multipart/form-data")
    assert imported.status_code == 403
    assert auditor.post("/process/drafts/1/publish", data={"note": "x"}).status_code == 403
    assert count(app, ProcessVersion, process_id="invoice_approval") == 1


def test_an_auditor_cannot_open_an_analysts_draft(app, make, login, people):
    make.lane_role("Legal")
    imported = login("alla").post(
        "/process/drafts",
        data={"diagram": (io.BytesIO(LEGAL_DIAGRAM.read_bytes()), "legal.bpmn")},
        content_type="multipart/form-data",
    )
    editor = imported.headers["Location"]
    assert_refused(login("audra").get(editor), permissions.EDIT_PROCESSES)


# Seeding ----------------------------------------------------------------------------------


@pytest.fixture
def fresh_app(tmp_path):
    """An application on a database of its own, as a deploy finds it: migrated, not seeded."""
    with temporary_database(tmp_path, "invoiceflow_seed") as url:
        fresh = create_app(
            "test", SQLALCHEMY_DATABASE_URI=url, FILE_STORAGE_DIR=str(tmp_path / "files")
        )
        with fresh.app_context():
            db.create_all()
            db.session.remove()
        yield fresh
        with fresh.app_context():
            db.session.remove()
            db.engine.dispose()


def init_security(app) -> None:
    result = app.test_cli_runner().invoke(args=["init-security"])
    assert result.exit_code == 0, result.output


def held(app) -> dict[str, set[tuple[str, str]]]:
    with app.app_context():
        found = {
            role.name: {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
            for role in app.appbuilder.sm.get_all_roles()
        }
        db.session.remove()
    return found


def actions_of(pairs: set[tuple[str, str]]) -> set[str]:
    return {a.permission + " " + a.view_menu for a in permissions.ACTIONS if a.pair in pairs}


def test_seeding_twice_keeps_every_action_and_grants_each_role_its_defaults(fresh_app):
    init_security(fresh_app)
    first = held(fresh_app)
    init_security(fresh_app)
    assert held(fresh_app) == first
    assert actions_of(first[roles.ADMIN]) == actions_of({a.pair for a in permissions.ACTIONS})
    assert actions_of(first[roles.INITIATOR]) == {
        "can_submit Invoice",
        "can_withdraw Invoice",
        "can_add_files Invoice",
    }
    assert actions_of(first[roles.APPROVER]) == {"can_decide Task", "can_add_files Invoice"}
    assert actions_of(first[roles.FINANCE_DIRECTOR]) == {
        "can_pay Invoice",
        "can_decide Task",
        "can_add_files Invoice",
    }
    assert actions_of(first[roles.ANALYST]) == {"can_publish Process"}
    assert actions_of(first[roles.AUDITOR]) == set()
    assert permissions.READ_PROCESSES.pair in first[roles.AUDITOR]
    # Nothing beyond self-service is forced: reading tasks is a grant like any other.
    assert ("can_read", "Task") in first[roles.APPROVER]


def revoke_in(app, role_name: str, pair: tuple[str, str]) -> None:
    with app.app_context():
        sm = app.appbuilder.sm
        sm.del_permission_role(sm.find_role(role_name), sm.find_permission_view_menu(*pair))
        db.session.remove()


def test_an_admins_revocation_survives_the_next_deploy(fresh_app):
    init_security(fresh_app)
    revoke_in(fresh_app, roles.APPROVER, permissions.DECIDE.pair)
    revoke_in(fresh_app, roles.ANALYST, permissions.PUBLISH.pair)
    revoke_in(fresh_app, roles.AUDITOR, permissions.READ_PROCESSES.pair)
    init_security(fresh_app)
    after = held(fresh_app)
    assert permissions.DECIDE.pair not in after[roles.APPROVER]
    assert permissions.PUBLISH.pair not in after[roles.ANALYST]
    assert permissions.READ_PROCESSES.pair not in after[roles.AUDITOR]
    # The permissions themselves stay, for the Roles screen to grant again.
    with fresh_app.app_context():
        sm = fresh_app.appbuilder.sm
        assert all(sm.find_permission_view_menu(*a.pair) for a in permissions.ACTIONS)
        db.session.remove()


def test_a_permission_no_role_holds_is_kept_by_the_permission_sync(fresh_app):
    """Flask-AppBuilder deletes at each sync what no view declares: actions are declared."""
    init_security(fresh_app)
    for role_name in (roles.ANALYST, roles.ADMIN):
        revoke_in(fresh_app, role_name, permissions.PUBLISH.pair)
    with fresh_app.app_context():
        fresh_app.appbuilder.add_permissions(update_perms=True)  # `flask fab create-permissions`
        sm = fresh_app.appbuilder.sm
        assert sm.find_permission_view_menu(*permissions.PUBLISH.pair) is not None
        db.session.remove()
    after = held(fresh_app)
    assert permissions.PUBLISH.pair not in after[roles.ANALYST]
    assert permissions.PUBLISH.pair in after[roles.ADMIN]  # FAB's rule: Admin holds everything


def test_an_upgrade_grants_the_new_actions_to_the_default_roles_and_to_lane_roles(fresh_app):
    init_security(fresh_app)
    with fresh_app.app_context():  # the database as the version before actions left it
        sm = fresh_app.appbuilder.sm
        for action in permissions.ACTIONS:
            pv = sm.find_permission_view_menu(*action.pair)
            for role in sm.get_all_roles():
                sm.del_permission_role(role, pv)
            sm.del_permission_view_menu(*action.pair)
        sm.add_role("Legal")  # a lane role an admin created; it had no grants then
        auditor = sm.find_role(roles.AUDITOR)  # auditors could not read process versions then
        sm.del_permission_role(auditor, sm.find_permission_view_menu("can_read", "Process"))
        db.session.remove()
    init_security(fresh_app)
    after = held(fresh_app)
    assert permissions.SUBMIT.pair in after[roles.INITIATOR]
    assert permissions.DECIDE.pair in after[roles.APPROVER]
    assert permissions.PAY.pair in after[roles.FINANCE_DIRECTOR]
    assert set(permissions.LANE_PARTICIPATION) <= after["Legal"]
    assert actions_of(after["Legal"]) == {"can_decide Task"}
    assert actions_of(after[roles.AUDITOR]) == set()
    assert ("can_read", "Process") in after[roles.AUDITOR]


def test_a_revocation_saved_by_another_web_process_applies_within_the_setting(
    app, client, api_token, grants, people, monkeypatch
):
    """What roles may do is kept per process; an edit elsewhere (no event reaches this
    process) is read again after ROLE_PERMISSIONS_TTL_SECONDS."""
    reading = permissions.Action("can_read", "Task", "read tasks")
    anna = api_token("anna")
    assert client.get("/api/v1/tasks/mine", headers=anna).status_code == 200
    with app.app_context():
        sm = app.appbuilder.sm
        role, pv = sm.find_role(roles.APPROVER), grants._pv(reading)
        db.session.execute(  # as another process would: no ORM collection event here
            assoc_permissionview_role.delete().where(
                assoc_permissionview_role.c.role_id == role.id,
                assoc_permissionview_role.c.permission_view_id == pv.id,
            )
        )
        db.session.commit()
        db.session.remove()
    grants.revoked.append((roles.APPROVER, reading))  # granted back after the test
    later = time.monotonic() + app.config["ROLE_PERMISSIONS_TTL_SECONDS"]
    monkeypatch.setattr("app.permissions.time", SimpleNamespace(monotonic=lambda: later))
    assert client.get("/api/v1/tasks/mine", headers=anna).status_code == 403
