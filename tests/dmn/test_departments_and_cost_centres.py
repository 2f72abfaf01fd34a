"""Departments and cost centres: admins keep the directories, the card names one of each."""

from app import roles
from app.extensions import db
from app.models import AuditEvent, CostCentre, Department, Invoice
from app.workflow.task_data import workflow_data
from tests.web.forms import card_form, created_invoice_id, post_card


def entry_id(app, model, code) -> int:
    with app.app_context():
        pk = db.session.query(model).filter_by(code=code).one().id
        db.session.remove()
        return pk


def add_entries(login):
    admin = login("admin")
    admin.post("/departments/add", data={"code": "IT", "name": "IT department", "active": "y"})
    admin.post("/cost-centres/add", data={"code": "Capex", "name": "Capital works", "active": "y"})
    admin.get("/logout/")


def test_an_admin_adds_a_department_and_a_cost_centre_and_both_are_audited(make, login, app):
    make.user("admin", roles.ADMIN)
    admin = login("admin")
    made = admin.post(
        "/departments/add", data={"code": "IT", "name": "IT department", "active": "y"}
    )
    assert made.status_code in (200, 302)
    admin.post("/cost-centres/add", data={"code": "Capex", "name": "Capital works", "active": "y"})
    listed = admin.get("/cost-centres/list/").get_data(as_text=True)
    assert "Capital works" in listed
    with app.app_context():
        assert db.session.query(Department).one().name == "IT department"
        actions = {e.action for e in db.session.query(AuditEvent)}
        assert {"department_saved", "cost_centre_saved"} <= actions


def test_a_bad_or_taken_code_is_refused_next_to_its_field(make, login, app):
    make.user("admin", roles.ADMIN)
    admin = login("admin")
    admin.post("/departments/add", data={"code": "IT", "name": "IT", "active": "y"})
    page = admin.post("/departments/add", data={"code": "IT", "name": "Other", "active": "y"})
    assert "Another entry has this code." in page.get_data(as_text=True)
    page = admin.post("/departments/add", data={"code": "a b", "name": "Spaces"})
    assert "Use 1 to 32 letters" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Department).count() == 1


def test_an_initiator_may_not_manage_the_directories(make, login):
    make.user("ivan", roles.INITIATOR)
    browser = login("ivan")
    posted = browser.post("/departments/add", data={"code": "HR", "name": "HR"})
    assert posted.status_code in (302, 403)
    assert browser.get("/cost-centres/list/").status_code in (302, 403)


def test_the_card_names_a_department_and_cost_centre_shown_and_passed_to_the_process(
    make, login, app
):
    make.user("admin", roles.ADMIN)
    make.user("ivan", roles.INITIATOR)
    add_entries(login)
    party = make.counterparty("Acme")
    department = entry_id(app, Department, "IT")
    centre = entry_id(app, CostCentre, "Capex")
    response = post_card(
        login("ivan"),
        "/invoices/add",
        card_form(party, department=str(department), cost_centre=str(centre)),
    )
    page = response.get_data(as_text=True)
    assert "IT department (IT)" in page and "Capital works (Capex)" in page
    invoice_id = created_invoice_id(response)
    with app.app_context():
        data = workflow_data(db.session.get(Invoice, invoice_id))
        assert (data["department"], data["cost_centre"]) == ("IT", "Capex")


def test_both_are_optional_on_the_card(make, login, app):
    make.user("ivan", roles.INITIATOR)
    party = make.counterparty("Acme")
    client = login("ivan")
    created = post_card(client, "/invoices/add", card_form(party))
    with app.app_context():
        data = workflow_data(db.session.get(Invoice, created_invoice_id(created)))
        assert data["department"] is None and data["cost_centre"] is None


def test_the_api_takes_a_department_and_refuses_an_unknown_one(make, client, api_token, app):
    make.user("admin", roles.ADMIN)
    make.user("ivan", roles.INITIATOR)
    with app.app_context():
        db.session.add(Department(code="IT", name="IT department"))
        db.session.commit()
        db.session.remove()
    department = entry_id(app, Department, "IT")
    party = make.counterparty("Acme")
    body = {"amount": "10.00", "counterparty_id": party, "issue_date": "2026-01-10"}
    headers = api_token("ivan")
    bad = client.post("/api/v1/invoice/", json={**body, "department_id": 999}, headers=headers)
    assert bad.status_code == 422, bad.json
    good = client.post(
        "/api/v1/invoice/", json={**body, "department_id": department}, headers=headers
    )
    assert good.status_code == 201, good.json
    with app.app_context():
        assert db.session.get(Invoice, good.json["id"]).department.code == "IT"
