"""Demo data for a developer's first `make run`: created once, never duplicated."""

from __future__ import annotations

from datetime import date, timedelta

from app import roles
from app.extensions import db
from app.services.counterparties import create_counterparty
from app.services.create_invoice import create_invoice
from app.services.invoice_input import InvoicePolicy
from app.services.submit_invoice import submit_invoice

DEMO_USERS = [
    ("admin", "Anna", "Admin", roles.ADMIN),
    ("initiator", "Ivan", "Initiator", roles.INITIATOR),
    ("approver1", "Alexey", "First", roles.APPROVER),
    ("approver2", "Boris", "Second", roles.APPROVER),
    ("approver3", "Vera", "Third", roles.APPROVER),
    ("finance", "Fedor", "Finance", roles.FINANCE_DIRECTOR),
    ("analyst", "Alla", "Analyst", roles.ANALYST),
    ("auditor", "Olga", "Auditor", roles.AUDITOR),
]
DEMO_COUNTERPARTIES = [
    {
        "name": "Sberbank PJSC",
        "country": "RU",
        "tax_id": "7707083893",
        "bank_bic": "044525225",
        "bank_account": "40702810938000000001",
    },
    {"name": "VTB Bank PJSC", "country": "RU", "tax_id": "7702070139"},
    {"name": "Alfa-Bank JSC", "country": "RU", "tax_id": "7728168971"},
    {"name": "Acme GmbH", "country": "DE", "tax_id": "DE123456789"},
]


def seed_demo(appbuilder, password: str) -> list[tuple[str, str]]:
    sm = appbuilder.sm
    if sm.find_user(username="admin") is not None:
        return []
    users = {}
    for username, first, last, role in DEMO_USERS:
        users[username] = sm.add_user(
            username, first, last, f"{username}@example.com", sm.find_role(role), password=password
        )
    session = db.session
    admin, initiator = users["admin"], users["initiator"]
    parties = [create_counterparty(session, admin, data) for data in DEMO_COUNTERPARTIES]
    policy = InvoicePolicy(today=date.today())
    samples = [
        ("125000.00", parties[0], "INV-2026-001", ["approver1", "approver2"]),
        ("48 300,50", parties[1], "B-7781", ["approver1"]),
        ("980000", parties[3], "ACME-55", ["approver2", "approver3", "approver1"]),
    ]
    created = []
    for days_ago, (amount, party, vendor_no, approvers) in enumerate(samples, start=1):
        data = {
            "amount": amount,
            "counterparty_id": party.id,
            "issue_date": date.today() - timedelta(days=days_ago * 3),
            "vendor_invoice_no": vendor_no,
            "justification": "Demo invoice",
            "approvers": [users[name].id for name in approvers],
        }
        created.append(create_invoice(session, initiator, data, policy).invoice.id)
    # One invoice already on its way, so approver1 finds a task in My tasks.
    submit_invoice(session, initiator, created[0], policy)
    return [(username, role) for username, _first, _last, role in DEMO_USERS]
