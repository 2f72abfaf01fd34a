"""Small factories for test data; each runs inside its own app context."""

from __future__ import annotations

import itertools

from app import permissions, roles
from app.extensions import db
from app.models import Counterparty
from app.services.create_invoice import create_invoice
from app.services.invoice_input import InvoicePolicy
from tests import clock

PASSWORD = "secret-pass"
_counter = itertools.count(1)


class Factories:
    def __init__(self, app):
        self.app = app

    def user(self, username: str, *role_names: str, active: bool = True) -> int:
        with self.app.app_context():
            sm = self.app.appbuilder.sm
            found = [sm.find_role(name) for name in (role_names or (roles.INITIATOR,))]
            user = sm.add_user(
                username,
                username.title(),
                "Tester",
                f"{username}@example.com",
                found,
                password=PASSWORD,
            )
            assert user, f"could not create {username}"
            if not active:
                user.active = False
                db.session.commit()
            user_id = user.id
            db.session.remove()
            return user_id

    def lane_role(self, name: str) -> None:
        """A role an admin created for a lane of the process, with what a lane needs (kept
        between tests, like every role)."""
        with self.app.app_context():
            sm = self.app.appbuilder.sm
            role = sm.add_role(name)
            for permission, view in permissions.LANE_PARTICIPATION:
                pv = sm.find_permission_view_menu(permission, view)
                if pv not in role.permissions:
                    sm.add_permission_role(role, pv)
            db.session.remove()

    def counterparty(
        self, name: str | None = None, country: str = "DE", tax_id: str | None = None
    ) -> int:
        n = next(_counter)
        with self.app.app_context():
            party = Counterparty(
                name=name or f"Supplier {n}", country=country, tax_id=tax_id or f"DE{n:09d}"
            )
            db.session.add(party)
            db.session.commit()
            pk = party.id
            db.session.remove()
            return pk

    def invoice(self, initiator_id: int, counterparty_id: int, **fields) -> int:
        data = {
            "amount": "1000.00",
            "counterparty_id": counterparty_id,
            "issue_date": clock.today(),
            **fields,
        }
        with self.app.app_context():
            actor = self.app.appbuilder.sm.get_user_by_id(initiator_id)
            saved = create_invoice(db.session, actor, data, InvoicePolicy(today=clock.today()))
            pk = saved.invoice.id
            db.session.remove()
            return pk
