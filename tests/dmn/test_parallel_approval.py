"""Parallel approval through HTTP: a stage asks every holder of a role at once and completes
when all, any one, or two of three have answered; the others' tasks are then withdrawn."""

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import HumanTask, Invoice
from app.services.publish_process import publish_process
from tests import clock
from tests.dmn.board_stage import ALL, ANY_ONE, TWO_OF_THEM, with_board_stage

BOARD = ("bella", "boris", "bogdan")


@pytest.fixture
def people(make):
    make.lane_role("Board")
    ids = {"ivan": make.user("ivan", roles.INITIATOR, "Board")}  # holds the role, never asked
    ids["anna"] = make.user("anna", roles.APPROVER)
    ids["fedor"] = make.user("fedor", roles.FINANCE_DIRECTOR)
    for name in BOARD:
        ids[name] = make.user(name, "Board")
    make.user("olga", "Board", active=False)  # deactivated: not asked either
    return ids


class Flow:
    """One invoice walked through the API by its people."""

    def __init__(self, app, client, api_token, make, people, condition: str):
        self.app, self.client = app, client
        with app.app_context():
            publish_process(db.session, None, with_board_stage(condition), "Board stage")
            db.session.commit()
            db.session.remove()
        self.headers = {name: api_token(name) for name in ("ivan", "anna", "fedor", *BOARD)}
        party = make.counterparty("Acme")
        body = {
            "amount": "500000",
            "counterparty_id": party,
            "issue_date": clock.today().isoformat(),
            "approvers": [people["anna"]],
        }
        created = client.post("/api/v1/invoice/", headers=self.headers["ivan"], json=body)
        assert created.status_code == 201, created.json
        self.invoice = created.json["id"]
        submitted = client.post(
            f"/api/v1/invoices/{self.invoice}/submit", headers=self.headers["ivan"]
        )
        assert submitted.status_code == 200, submitted.json
        self.decide("anna", f"Approval of invoice #{self.invoice}", "approve")

    def tasks(self, name: str) -> dict[str, str]:
        answer = self.client.get("/api/v1/tasks/mine", headers=self.headers[name])
        return {t["title"]: t["id"] for t in answer.json["result"]}

    def board_task(self, name: str) -> str | None:
        return self.tasks(name).get(f"Board review of invoice #{self.invoice}")

    def decide(self, name: str, title: str, decision: str, comment: str = "") -> int:
        task = self.tasks(name)[title]
        return self.post(name, task, decision, comment).status_code

    def post(self, name, task, decision, comment=""):
        return self.client.post(
            f"/api/v1/tasks/{task}/decision",
            headers=self.headers[name],
            json={"decision": decision, "comment": comment},
        )

    def vote(self, name: str, decision: str = "approve", comment: str = "") -> None:
        answer = self.post(name, self.board_task(name), decision, comment)
        assert answer.status_code == 200, answer.json

    def status(self) -> str:
        with self.app.app_context():
            found = db.session.get(Invoice, self.invoice).status
            db.session.remove()
            return found

    def board_rows(self) -> dict[str, str]:
        with self.app.app_context():
            rows = db.session.scalars(
                select(HumanTask).where(HumanTask.bpmn_id == "board_review")
            ).all()
            found = {row.assignee_user_id: row.status for row in rows}
            db.session.remove()
            return found

    def paying(self) -> bool:
        return f"Pay invoice #{self.invoice}" in self.tasks("fedor")


@pytest.fixture
def flow(app, client, api_token, make, people):
    return lambda condition: Flow(app, client, api_token, make, people, condition)


def test_all_holders_must_approve(flow, people):
    walk = flow(ALL)
    # Every active holder of the role gets their own task at once; the initiator does not.
    assert all(walk.board_task(name) for name in BOARD)
    assert walk.board_task("ivan") is None
    walk.vote("bella")
    walk.vote("boris")
    assert not walk.paying() and walk.board_task("bogdan")  # one still to answer
    walk.vote("bogdan")
    assert walk.paying() and walk.status() == "awaiting_payment"
    assert set(walk.board_rows().values()) == {"done"}


def test_all_holders_one_rejection_ends_the_stage_and_withdraws_the_others_tasks(flow, people):
    walk = flow(ALL)
    walk.vote("bella")
    stale = walk.board_task("bogdan")
    walk.vote("boris", "reject", "Not in the budget")
    assert walk.status() == "rejected"
    assert walk.board_task("bogdan") is None
    assert walk.post("bogdan", stale, "approve").status_code == 409  # withdrawn, not open
    rows = walk.board_rows()
    assert rows[people["bogdan"]] == "cancelled" and rows[people["boris"]] == "done"


def test_any_one_holder_decides_for_the_stage(flow, people):
    walk = flow(ANY_ONE)
    assert all(walk.board_task(name) for name in BOARD)
    walk.vote("boris")
    assert walk.paying()
    assert walk.board_task("bella") is None and walk.board_task("bogdan") is None
    rows = walk.board_rows()
    assert rows[people["boris"]] == "done"
    assert rows[people["bella"]] == rows[people["bogdan"]] == "cancelled"


def test_two_of_three_holders_complete_the_stage(flow, people):
    walk = flow(TWO_OF_THEM)
    walk.vote("bogdan")
    assert not walk.paying() and walk.board_task("bella") and walk.board_task("boris")
    walk.vote("bella")
    assert walk.paying() and walk.board_task("boris") is None
    assert walk.board_rows()[people["boris"]] == "cancelled"


def test_two_of_three_a_return_sends_the_invoice_back_and_a_new_round_asks_all_again(flow, people):
    walk = flow(TWO_OF_THEM)
    walk.vote("bogdan")
    walk.vote("bella", "return", "Which project is this for?")
    assert walk.status() == "on_rework" and walk.board_task("boris") is None
    correction = walk.tasks("ivan")[f"Correct invoice #{walk.invoice}"]
    resubmitted = walk.client.post(
        f"/api/v1/invoices/{walk.invoice}/resubmit", headers=walk.headers["ivan"]
    )
    assert resubmitted.status_code == 200, (correction, resubmitted.json)
    walk.decide("anna", f"Approval of invoice #{walk.invoice}", "approve")
    assert all(walk.board_task(name) for name in BOARD)  # the earlier votes do not count
    walk.vote("boris")
    assert not walk.paying()
    walk.vote("bogdan")
    assert walk.paying()
