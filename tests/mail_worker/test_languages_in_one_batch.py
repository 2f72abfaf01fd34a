"""The mail templates are compiled once per language and kept: in one batch an English and a
Russian reader each get their own language, text and HTML alike, and what the templates fill in
is still escaped in HTML."""

from __future__ import annotations

import re

from sqlalchemy import insert, update

from app import roles
from app.extensions import db
from app.models import OutboxMessage, OutboxStatus
from app.models.base import utcnow
from app.models.user import User
from app.worker import work_once

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def queue_password_notices(app, readers: list[tuple[int, str, str]], by: int) -> None:
    """A "your password was changed by an admin" mail to each (user id, address, language)."""
    now = utcnow()
    with app.app_context():
        db.session.execute(
            insert(OutboxMessage),
            [
                {
                    "recipient_id": user_id,
                    "to_address": address,
                    "language": language,
                    "kind": "password_changed",
                    "params": {"by": by},
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "message_id": f"<lang-{n}@invoiceflow>",
                    "dedupe_key": f"test:lang-{n}",
                    "created_at": now,
                }
                for n, (user_id, address, language) in enumerate(readers)
            ],
        )
        db.session.commit()
        db.session.remove()


def name_admin(app, user_id: int, first_name: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(first_name=first_name))
        db.session.commit()
        db.session.remove()


def test_an_english_and_a_russian_reader_in_one_batch_each_read_their_own_language(app, smtp, make):
    anna, boris = make.user("anna", roles.APPROVER), make.user("boris", roles.APPROVER)
    admin = make.user("admin2", roles.ADMIN)
    name_admin(app, admin, "<Olga>")
    english, russian = ("anna@example.com", "en"), ("boris@example.com", "ru")
    queue_password_notices(app, [(anna, *english), (boris, *russian)] * 2, admin)

    assert work_once(app)["sent"] == 4
    by_reader: dict[str, list] = {}
    for mail in smtp.inbox.messages:
        by_reader.setdefault(mail["To"], []).append(mail)
    assert len(by_reader["anna@example.com"]) == len(by_reader["boris@example.com"]) == 2

    for mail in by_reader["anna@example.com"]:
        text, html = smtp.inbox.text(mail), mail.get_body(("html",)).get_content()
        assert mail["Subject"] == "Your password was changed"
        assert "<Olga> Tester set a new password for your account." in text
        assert "&lt;Olga&gt; Tester set a new password for your account." in html
        assert "Open InvoiceFlow" in text and "Open InvoiceFlow" in html
        assert not CYRILLIC.search(text + html)
    for mail in by_reader["boris@example.com"]:
        text, html = smtp.inbox.text(mail), mail.get_body(("html",)).get_content()
        assert mail["Subject"] == "Ваш пароль изменён"
        assert "Открыть InvoiceFlow" in text and "Открыть InvoiceFlow" in html
        assert "&lt;Olga&gt; Tester" in html and "<Olga> Tester" in text
        assert "Open InvoiceFlow" not in text + html
        assert "If it was not you" not in text + html
