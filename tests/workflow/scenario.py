"""Drive one invoice through the real process with the services, as its people would."""

from __future__ import annotations

from sqlalchemy import func, select, update

from app import roles
from app.extensions import db
from app.models import AuditEvent, HumanTask, Invoice, ProcessVersion, TaskStatus
from app.services.attachments import IncomingFile
from app.services.complete_task import decide
from app.services.invoice_input import InvoicePolicy
from app.services.pay_invoice import pay_invoice
from app.services.resubmit_invoice import resubmit_invoice
from app.services.submit_invoice import submit_invoice
from app.services.withdraw_invoice import withdraw_invoice
from app.storage import LocalFileStorage
from app.workflow.definitions import sha256_of
from tests import clock

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def policy() -> InvoicePolicy:
    return InvoicePolicy(today=clock.today())


def force_current_version(app, xml: str, note: str = "forced") -> None:
    """Make a diagram the current version for new invoices, written straight into the database
    (no check): what a publish does, or what an analyst's direct edit of the table would do."""
    with app.app_context():
        last = db.session.scalar(select(func.max(ProcessVersion.version)))
        db.session.execute(update(ProcessVersion).values(is_current=False))
        db.session.add(
            ProcessVersion(
                process_id="invoice_approval",
                version=last + 1,
                bpmn_xml=xml,
                sha256=sha256_of(xml),
                is_current=True,
                note=note,
            )
        )
        db.session.commit()
        db.session.remove()


class Scenario:
    def __init__(self, app, make, approvers: int = 2, **card):
        self.app = app
        self.ids = {
            "ivan": make.user("ivan", roles.INITIATOR),
            "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        }
        for n in range(1, 4):
            self.ids[f"a{n}"] = make.user(f"approver{n}", roles.APPROVER)
        chain = [self.ids[f"a{n}"] for n in range(1, approvers + 1)]
        self.invoice_id = make.invoice(
            self.ids["ivan"], make.counterparty(), approvers=chain, **card
        )
        self.names = {pk: name for name, pk in self.ids.items()}

    @classmethod
    def with_people(cls, other: Scenario, make, approvers: int = 1, **card) -> Scenario:
        """Another invoice by the same people."""
        case = cls.__new__(cls)
        case.app, case.ids, case.names = other.app, dict(other.ids), dict(other.names)
        chain = [case.ids[f"a{n}"] for n in range(1, approvers + 1)]
        case.invoice_id = make.invoice(
            case.ids["ivan"], make.counterparty(), approvers=chain, **card
        )
        return case

    def user(self, name):
        return self.app.appbuilder.sm.get_user_by_id(self.ids[name])

    def run(self, action):
        with self.app.test_request_context():
            try:
                return action()
            finally:
                db.session.remove()

    def submit(self, who="ivan"):
        return self.run(
            lambda: submit_invoice(db.session, self.user(who), self.invoice_id, policy())
        )

    def open_task(self, holder: str) -> str:
        tasks = [t for t in self.open_tasks() if t[1] == holder]
        assert tasks, f"{holder} holds no task; open: {self.open_tasks()}"
        return tasks[0][2]

    def decide(self, who, decision, comment="", task=None):
        guid = task or self.open_task(who)
        return self.run(lambda: decide(db.session, self.user(who), guid, decision, comment))

    def resubmit(self, who="ivan"):
        return self.run(
            lambda: resubmit_invoice(db.session, self.user(who), self.invoice_id, policy())
        )

    def pay(self, who="fedor", order: bytes | None = PDF, **data):
        incoming = IncomingFile("order.pdf", order) if order is not None else None

        def action():
            storage = LocalFileStorage(self.app.config["FILE_STORAGE_DIR"])
            return pay_invoice(
                db.session,
                self.user(who),
                self.invoice_id,
                data,
                incoming,
                storage,
                self.app.config["MAX_FILE_SIZE"],
                clock.today(),
            )

        return self.run(action)

    def withdraw(self, who="ivan", reason="Supplier sent a new invoice"):
        return self.run(
            lambda: withdraw_invoice(db.session, self.user(who), self.invoice_id, reason)
        )

    def open_tasks(self) -> list[tuple[str, str, str]]:
        """(bpmn id, holder name or role, guid) of each open task."""
        with self.app.app_context():
            rows = db.session.scalars(
                select(HumanTask)
                .where(HumanTask.invoice_id == self.invoice_id, HumanTask.status == TaskStatus.OPEN)
                .order_by(HumanTask.id)
            ).all()
            result = [
                (t.bpmn_id, self.names.get(t.assignee_user_id) or t.candidate_role, t.task_guid)
                for t in rows
            ]
            db.session.remove()
            return result

    def holders(self) -> list[str]:
        return [holder for _bpmn, holder, _guid in self.open_tasks()]

    @property
    def status(self) -> str:
        with self.app.app_context():
            status = db.session.get(Invoice, self.invoice_id).status
            db.session.remove()
            return status

    def audit_actions(self) -> list[str]:
        with self.app.app_context():
            actions = list(
                db.session.scalars(
                    select(AuditEvent.action)
                    .where(AuditEvent.invoice_id == self.invoice_id)
                    .order_by(AuditEvent.sequence)
                )
            )
            db.session.remove()
            return actions
