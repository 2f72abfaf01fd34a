"""An admin moves running invoices to a newer version of the process: the screen says where
each would stand and which cannot move and why; moved invoices finish on the new version."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import roles
from app.extensions import db
from app.models import AuditEvent, HumanTask, Invoice, ProcessInstance, ProcessVersion, TaskStatus
from tests.running_changes import diagrams
from tests.web import test_russian_pages as walk
from tests.web.test_russian_pages import assert_russian, russian
from tests.workflow.scenario import force_current_version as force


@pytest.fixture
def people(make, app):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
    }


def the_open_task(app, invoice) -> HumanTask:
    with app.app_context():
        (task,) = db.session.scalars(
            select(HumanTask).where(
                HumanTask.invoice_id == invoice, HumanTask.status == TaskStatus.OPEN
            )
        ).all()
        db.session.expunge_all()
        db.session.remove()
        return task


def ok(answer):
    assert answer.status_code == 200, answer.json
    return answer


class Office:
    """The people of the invoices, acting over the API."""

    def __init__(self, app, client, api_token):
        self.app, self.client, self.token = app, client, api_token

    def submit(self, invoice):
        answer = self.client.post(f"/api/v1/invoices/{invoice}/submit", headers=self.token("ivan"))
        assert answer.status_code in (200, 201), answer.json

    def decide(self, invoice, who, decision="approve", comment=None):
        task = the_open_task(self.app, invoice)
        body = {"decision": decision, **({"comment": comment} if comment else {})}
        ok(
            self.client.post(
                f"/api/v1/tasks/{task.task_guid}/decision", headers=self.token(who), json=body
            )
        )

    def resubmit(self, invoice):
        ok(self.client.post(f"/api/v1/invoices/{invoice}/resubmit", headers=self.token("ivan")))

    def check(self, invoice):
        task = the_open_task(self.app, invoice)
        assert task.bpmn_id == "check", task.bpmn_id
        ok(
            self.client.post(
                f"/api/v1/tasks/{task.task_guid}/acknowledge",
                headers=self.token("fedor"),
                json={"note": "Booked"},
            )
        )

    def pay(self, invoice):
        ok(
            self.client.post(
                f"/api/v1/invoices/{invoice}/pay", headers=self.token("fedor"), data={}
            )
        )


@pytest.fixture
def office(app, client, api_token):
    return Office(app, client, api_token)


@pytest.fixture
def at_every_stage(make, people, office):
    """Four invoices of the default process: at approval round 1, round 2, correction, payment."""
    counterparty = make.counterparty()
    chain = [people["anna"], people["boris"]]
    invoices = {
        stage: make.invoice(people["ivan"], counterparty, approvers=chain)
        for stage in ("round 1", "round 2", "correction", "payment")
    }
    for invoice in invoices.values():
        office.submit(invoice)
    office.decide(invoices["round 2"], "anna")
    office.decide(invoices["correction"], "anna", "return", "Wrong amount")
    office.decide(invoices["payment"], "anna")
    office.decide(invoices["payment"], "boris")
    return invoices


def newest_version(app) -> int:
    with app.app_context():
        pk = db.session.scalar(select(func.max(ProcessVersion.id)))
        db.session.remove()
        return pk


def read(app, model, **where):
    with app.app_context():
        rows = db.session.scalars(select(model).filter_by(**where)).all()
        db.session.expunge_all()
        db.session.remove()
        return rows


def test_invoices_at_every_stage_move_to_a_version_with_an_added_stage_and_finish_paid(
    app, login, office, at_every_stage
):
    force(app, diagrams.WITH_ACCOUNTING_CHECK)
    version = newest_version(app)
    adam = login("adam")
    screen = adam.get(f"/running/versions/{version}/move")
    assert screen.status_code == 200
    page = screen.get_data(as_text=True)
    for invoice in at_every_stage.values():
        assert f'data-test="movable-{invoice}"' in page
    assert "Correct invoice" in page and "Pay invoice" in page
    assert 'data-test="refused-' not in page

    asked = adam.post(f"/running/versions/{version}/move/confirm", data={"all": "1"})
    assert 'data-test="confirm-page"' in asked.get_data(as_text=True)
    moved = adam.post(f"/running/versions/{version}/move", data={"all": "1"})
    assert moved.status_code == 302

    for instance in read(app, ProcessInstance):
        assert instance.process_version_id == version
    events = read(app, AuditEvent, action="process_moved")
    assert sorted(e.invoice_id for e in events) == sorted(at_every_stage.values())
    assert all(e.details["to_version_id"] == version for e in events)
    assert all(e.details["from_version"] < e.details["to_version"] for e in events)

    office.decide(at_every_stage["round 1"], "anna")
    office.decide(at_every_stage["round 1"], "boris")
    office.decide(at_every_stage["round 2"], "boris")
    office.resubmit(at_every_stage["correction"])
    office.decide(at_every_stage["correction"], "anna")
    office.decide(at_every_stage["correction"], "boris")
    for stage in ("round 1", "round 2", "correction"):
        office.check(at_every_stage[stage])  # the stage the new version added
    for invoice in at_every_stage.values():
        office.pay(invoice)
    assert {i.status for i in read(app, Invoice)} == {"paid"}


def test_an_invoice_waiting_at_a_stage_the_new_version_removed_cannot_move_and_says_why(
    app, login, office, at_every_stage
):
    force(app, diagrams.WITHOUT_CORRECTION)
    version = newest_version(app)
    adam = login("adam")
    page = adam.get(f"/running/versions/{version}/move").get_data(as_text=True)
    correction = at_every_stage["correction"]
    assert f'data-test="refused-{correction}"' in page
    assert f'data-test="movable-{correction}"' not in page
    assert "lacks “Correct invoice”" in page and "(correct)" in page
    assert f'data-test="movable-{at_every_stage["payment"]}"' in page

    refused = adam.post(f"/running/versions/{version}/move", data={"invoices": str(correction)})
    assert refused.status_code == 422
    assert "cannot be moved" in refused.get_data(as_text=True)
    assert the_open_task(app, correction).bpmn_id == "correct"
    assert not read(app, AuditEvent, action="process_moved")

    chosen = at_every_stage["payment"]
    assert (
        adam.post(f"/running/versions/{version}/move", data={"invoice": [str(chosen)]}).status_code
        == 302
    )
    assert [e.invoice_id for e in read(app, AuditEvent, action="process_moved")] == [chosen]
    office.pay(chosen)
    assert read(app, Invoice, id=chosen)[0].status == "paid"


def test_only_an_administrator_sees_or_moves(app, login, at_every_stage):
    force(app, diagrams.WITH_ACCOUNTING_CHECK)
    version = newest_version(app)
    fedor = login("fedor")
    assert fedor.get(f"/running/versions/{version}/move").status_code in (302, 403, 404)
    assert fedor.post(f"/running/versions/{version}/move", data={"all": "1"}).status_code in (
        302,
        403,
        404,
    )
    assert not read(app, AuditEvent, action="process_moved")
    assert login("adam").get("/running/versions/999999/move").status_code == 404


@pytest.fixture
def typed_here(monkeypatch):
    """Words these tests typed: Boris, the counterparty, the note of a forced version."""
    monkeypatch.setattr(walk, "TYPED", {*walk.TYPED, "boris", "Boris", "forced", "Supplier"})


def test_the_move_screen_and_the_approvers_read_in_russian(app, login, at_every_stage, typed_here):
    force(app, diagrams.WITHOUT_CORRECTION)
    version = newest_version(app)
    adam = russian(login("adam"))
    page = adam.get(f"/running/versions/{version}/move").get_data(as_text=True)
    assert "Исправление счёта" in page  # the stage the version lacks, by its Russian name
    assert "Оплата счёта" in page  # where a movable invoice would stand
    confirm = adam.post(f"/running/versions/{version}/move/confirm", data={"all": "1"})
    assert "Перевести" in confirm.get_data(as_text=True)
    assert_russian(
        adam,
        [
            f"/running/versions/{version}/move",
            f"/process/version/{version}",
            f"/running/invoices/{at_every_stage['round 2']}/approvers",
        ],
    )
    adam.post(f"/running/versions/{version}/move", data={"all": "1"})
    card = adam.get(f"/invoices/show/{at_every_stage['payment']}").get_data(as_text=True)
    assert "перевёл процесс на другую версию" in card


def test_over_the_api_an_admin_lists_and_moves_the_invoices_that_can_move(
    app, client, api_token, office, at_every_stage
):
    force(app, diagrams.WITHOUT_CORRECTION)
    version = newest_version(app)
    listed = client.get(f"/api/v1/process-versions/{version}/moves", headers=api_token("adam"))
    assert listed.status_code == 200, listed.json
    result = listed.json["result"]
    movable = {row["invoice_id"]: row["stage_after"] for row in result["movable"]}
    assert movable[at_every_stage["payment"]] == ["Pay invoice"]
    (refused,) = result["refused"]
    assert refused["invoice_id"] == at_every_stage["correction"]
    assert "Correct invoice" in refused["reason"]

    no = client.post(
        f"/api/v1/process-versions/{version}/moves",
        headers=api_token("fedor"),
        json={"all": True},
    )
    assert no.status_code == 403
    bad = client.post(
        f"/api/v1/process-versions/{version}/moves",
        headers=api_token("adam"),
        json={"invoices": ["x"]},
    )
    assert bad.status_code == 422
    moved = client.post(
        f"/api/v1/process-versions/{version}/moves",
        headers=api_token("adam"),
        json={"all": True},
    )
    assert moved.status_code == 200, moved.json
    assert sorted(moved.json["result"]["moved"]) == sorted(movable)
    office.pay(at_every_stage["payment"])
    assert read(app, Invoice, id=at_every_stage["payment"])[0].status == "paid"
