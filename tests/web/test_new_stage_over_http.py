"""The promise to analysts, proven through HTTP only: a Legal stage without code changes."""

import io
import re

from app import roles
from app.extensions import db
from app.models import Invoice, ProcessInstance
from app.permissions import LANE_PARTICIPATION
from tests import clock

# A new user's passwords: the one the admin gives, then the one she chooses (the rules apply).
LENAS_FIRST, LENAS = "given-by-the-admin-1", "chosen-by-herself-2"
LEGAL_STAGE = """
    <bpmn:exclusiveGateway id="gw_amount" name="Over 100,000?" default="f_small">
      <bpmn:incoming>f_approved</bpmn:incoming>
      <bpmn:outgoing>f_large</bpmn:outgoing>
      <bpmn:outgoing>f_small</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f_large" sourceRef="gw_amount" targetRef="legal_review">
      <bpmn:conditionExpression>amount &gt; 100000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_small" sourceRef="gw_amount" targetRef="pay"/>
    <bpmn:userTask id="legal_review" name="Legal review">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="form" value="approval"/>
          <spiffworkflow:property name="title" value="Legal review of invoice #{number}"/>
          <spiffworkflow:property name="due" value="P3D"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f_large</bpmn:incoming>
      <bpmn:outgoing>f_legal_done</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_legal_done" sourceRef="legal_review" targetRef="gw_legal"/>
    <bpmn:exclusiveGateway id="gw_legal" name="Legal decision?" default="f_legal_ok">
      <bpmn:incoming>f_legal_done</bpmn:incoming>
      <bpmn:outgoing>f_legal_ok</bpmn:outgoing>
      <bpmn:outgoing>f_legal_reject</bpmn:outgoing>
      <bpmn:outgoing>f_legal_return</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f_legal_ok" sourceRef="gw_legal" targetRef="pay"/>
    <bpmn:sequenceFlow id="f_legal_reject" sourceRef="gw_legal" targetRef="end_rejected">
      <bpmn:conditionExpression>approval['decision'] == 'reject'</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_legal_return" sourceRef="gw_legal" targetRef="correct">
      <bpmn:conditionExpression>approval['decision'] == 'return'</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
"""


def add_legal_stage(xml: str) -> str:
    """What the analyst does in the editor, done on the diagram's text."""
    xml = xml.replace(
        'sourceRef="gw_decision" targetRef="pay"', 'sourceRef="gw_decision" targetRef="gw_amount"'
    )
    xml = xml.replace(
        "      <bpmn:incoming>f_approved</bpmn:incoming>\n      <bpmn:outgoing>f_paid",
        "      <bpmn:incoming>f_small</bpmn:incoming>\n"
        "      <bpmn:incoming>f_legal_ok</bpmn:incoming>\n"
        "      <bpmn:outgoing>f_paid",
    )
    xml = xml.replace(
        "      <bpmn:incoming>f_rejected</bpmn:incoming>\n",
        "      <bpmn:incoming>f_rejected</bpmn:incoming>\n"
        "      <bpmn:incoming>f_legal_reject</bpmn:incoming>\n",
    )
    xml = xml.replace(
        "    </bpmn:laneSet>",
        """      <bpmn:lane id="lane_legal" name="Legal">
        <bpmn:flowNodeRef>gw_amount</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>legal_review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gw_legal</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>""",
    )
    return xml.replace("  </bpmn:process>", LEGAL_STAGE + "  </bpmn:process>")


def my_task(client, headers, title_start: str) -> str:
    tasks = client.get("/api/v1/tasks/mine", headers=headers).json["result"]
    return next(t["id"] for t in tasks if t["title"].startswith(title_start))


def test_a_legal_stage_added_by_an_analyst_runs_with_no_code_change(
    app, make, login, client, api_token
):
    make.user("adam", roles.ADMIN)
    make.user("alla", roles.ANALYST)
    make.user("ivan", roles.INITIATOR)
    anna = make.user("anna", roles.APPROVER)
    make.user("fedor", roles.FINANCE_DIRECTOR)
    # The people above exist already; from here on, everything goes through HTTP.
    ivan_h = api_token("ivan")
    party = client.post(
        "/api/v1/counterparty/",
        headers=ivan_h,
        json={"name": "Big Supplier", "country": "RU", "tax_id": "7707083893"},
    ).json["id"]

    def new_invoice(amount: str) -> int:
        created = client.post(
            "/api/v1/invoice/",
            headers=ivan_h,
            json={
                "amount": amount,
                "counterparty_id": party,
                "issue_date": clock.today().isoformat(),
                "approvers": [anna],
            },
        )
        assert created.status_code == 201, created.json
        return created.json["id"]

    early = new_invoice("150000")
    assert client.post(f"/api/v1/invoices/{early}/submit", headers=ivan_h).status_code == 200

    # An admin creates the role, with what a lane needs, and a user whose only role it is.
    admin = login("adam")
    with app.app_context():
        sm = app.appbuilder.sm
        lane = [sm.find_permission_view_menu(*pair).id for pair in LANE_PARTICIPATION]
    admin.post("/roles/add", data={"name": "Legal", "permissions": lane}, follow_redirects=True)
    with app.app_context():
        legal_role = app.appbuilder.sm.find_role("Legal").id
    admin.post(
        "/users/add",
        data={
            "first_name": "Lena",
            "last_name": "Lawyer",
            "username": "lena",
            "email": "lena@example.com",
            "active": "y",
            "roles": [legal_role],
            "password": LENAS_FIRST,
            "conf_password": LENAS_FIRST,
        },
        follow_redirects=True,
    )
    # The admin knows the first password: Lena chooses her own before anything else.
    lena_browser = login("lena", LENAS_FIRST)
    lena_browser.post(
        "/resetmypassword/form",
        data={"current_password": LENAS_FIRST, "password": LENAS, "conf_password": LENAS},
    )
    assert lena_browser.get("/tasks/").status_code == 200

    # The analyst takes the current diagram, adds the stage, publishes.
    analyst = login("alla")
    version_link = re.search(
        r'/process/version/(\d+)"', analyst.get("/process/").get_data(as_text=True)
    )
    current = analyst.get(f"/process/version/{version_link.group(1)}/bpmn").get_data(as_text=True)
    draft = analyst.post(
        "/process/drafts",
        data={"diagram": (io.BytesIO(add_legal_stage(current).encode()), "with-legal.bpmn")},
        content_type="multipart/form-data",
    ).headers["Location"]
    page = analyst.get(draft).get_data(as_text=True)
    assert "No problems: this draft may be published." in page
    published = analyst.post(
        draft + "/publish", data={"note": "Legal review above 100,000"}, follow_redirects=True
    )
    assert "Published as version 2" in published.get_data(as_text=True)

    anna_h, fedor_h = (api_token(n) for n in ("anna", "fedor"))
    lena_h = api_token("lena", LENAS)
    large, small = new_invoice("150 000,00"), new_invoice("50000")
    for invoice in (large, small):
        assert client.post(f"/api/v1/invoices/{invoice}/submit", headers=ivan_h).status_code == 200
    for invoice in (early, large, small):
        task = my_task(client, anna_h, f"Approval of invoice #{invoice}")
        assert (
            client.post(
                f"/api/v1/tasks/{task}/decision", headers=anna_h, json={"decision": "approve"}
            ).status_code
            == 200
        )

    # Legal sees the large invoice and decides on it; the others skip Legal.
    lena_browser = login("lena", LENAS)  # the test client holds one session at a time
    assert lena_browser.get(f"/invoices/show/{large}").status_code == 200
    assert lena_browser.get(f"/invoices/show/{small}").status_code == 404
    legal_task = my_task(client, lena_h, f"Legal review of invoice #{large}")
    assert (
        client.post(
            f"/api/v1/tasks/{legal_task}/decision",
            headers=lena_h,
            json={"decision": "approve", "comment": "Contract checked"},
        ).status_code
        == 200
    )
    for invoice in (early, large, small):
        paid = client.post(f"/api/v1/invoices/{invoice}/pay", headers=fedor_h, data={})
        assert paid.status_code == 200, paid.json
    with app.app_context():
        assert {db.session.get(Invoice, pk).status for pk in (early, large, small)} == {"paid"}
        versions = {
            pk: db.session.query(ProcessInstance)
            .filter_by(invoice_id=pk)
            .one()
            .process_version.version
            for pk in (early, large, small)
        }
        assert versions == {early: 1, large: 2, small: 2}
