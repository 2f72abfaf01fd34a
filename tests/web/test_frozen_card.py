"""Over HTTP: a submitted card is frozen whatever the diagram's first stage, and a second submit
is a clean 409."""

from app import roles
from app.extensions import db
from app.models import Invoice
from tests.workflow import money_diagrams as diagrams
from tests.workflow.scenario import force_current_version


def test_a_card_whose_first_stage_is_an_acknowledge_is_frozen_and_submitted_once(
    app, make, client, api_token
):
    ivan = make.user("ivan", roles.INITIATOR)
    anna = make.user("anna", roles.APPROVER)
    make.user("fedor", roles.FINANCE_DIRECTOR)
    force_current_version(app, diagrams.ACKNOWLEDGE_FIRST)
    invoice = make.invoice(ivan, make.counterparty(), approvers=[anna], amount="5")
    headers = api_token("ivan")
    assert client.post(f"/api/v1/invoices/{invoice}/submit", headers=headers).status_code == 200
    again = client.post(f"/api/v1/invoices/{invoice}/submit", headers=headers)
    assert again.status_code == 409
    assert "already submitted" in again.json["message"]
    edit = client.put(f"/api/v1/invoice/{invoice}", headers=headers, json={"amount": "777777"})
    assert edit.status_code == 409
    with app.app_context():
        stored = db.session.get(Invoice, invoice)
        assert (str(stored.amount), stored.status) == ("5.00", "in_approval")
        db.session.remove()
