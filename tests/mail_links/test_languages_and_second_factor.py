"""The link pages speak the recipient's language without a session; users whose sign-in takes a
second factor get no links (the mailbox alone must not stand in for it)."""

from __future__ import annotations

import pytest

from app import roles
from app.extensions import db
from app.models import RolePolicy
from tests.mail_links.steps import Mailbox, form_token, html_links, session_cookies
from tests.russian_text import latin_words, visible_text

KNOWN = {"Anna", "Ivan", "Tester", "Acme", "Supplies", "InvoiceFlow"}


@pytest.fixture
def mailbox(app, smtp, client, api_token, make):
    return Mailbox(app, smtp, client, api_token, make)


def english_words(response) -> list[str]:
    return latin_words(visible_text(response.get_data(as_text=True)), KNOWN)


def test_a_russian_reader_gets_the_mail_and_every_link_page_in_russian(mailbox, login):
    assert login("anna").get("/lang/ru").status_code == 302
    links = mailbox.submitted_links()
    reader = mailbox.app.test_client()  # the mail opened in another browser: no session there

    confirm = reader.get(links["return"])
    assert confirm.status_code == 200 and english_words(confirm) == []
    assert f"Вернуть счёт №{mailbox.invoice} на доработку?" in confirm.get_data(as_text=True)
    no_comment = reader.post(
        links["return"], data={"form_token": form_token(confirm.get_data(as_text=True))}
    )
    assert no_comment.status_code == 422 and english_words(no_comment) == []
    done = mailbox.confirm(links["approve"], client=reader)
    assert done.status_code == 200 and english_words(done) == []
    used = reader.get(links["approve"])
    handled = reader.get(links["reject"])
    assert "Эта ссылка уже использована." in used.get_data(as_text=True)
    assert english_words(used) == [] and english_words(handled) == []
    assert all(session_cookies(r) == [] for r in (confirm, no_comment, done, used, handled))
    assert reader.get_cookie("session") is None


def test_a_link_naming_no_one_answers_in_the_browsers_language(client):
    russian = client.get("/mail-actions/nonsense", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    english = client.get("/mail-actions/nonsense", headers={"Accept-Language": "en"})

    assert russian.status_code == english.status_code == 400
    assert "Эта ссылка недействительна." in russian.get_data(as_text=True)
    assert english_words(russian) == []
    assert "This link is not valid." in english.get_data(as_text=True)


@pytest.fixture
def require_second_factor_of(app):
    """Admins make a role require a second factor (undone after the test: roles outlive it)."""
    changed = []

    def _require(role_name: str, required: bool = True) -> None:
        with app.app_context():
            role = app.appbuilder.sm.find_role(role_name)
            db.session.merge(RolePolicy(role_id=role.id, second_factor_required=required))
            db.session.commit()
            db.session.remove()
        changed.append(role_name)

    yield _require
    for role_name in changed:
        with app.app_context():
            role = app.appbuilder.sm.find_role(role_name)
            db.session.merge(RolePolicy(role_id=role.id, second_factor_required=False))
            db.session.commit()
            db.session.remove()


def test_a_role_that_requires_a_second_factor_gets_no_links_only_the_task(
    mailbox, require_second_factor_of
):
    require_second_factor_of(roles.APPROVER)
    mailbox.submit()
    mailbox.deliver()

    [mail] = mailbox.mails_to("anna")

    assert html_links(mail) == {}
    assert "/tasks/" in mailbox.smtp.inbox.text(mail)  # the "Open the task" link stays


def test_a_link_sent_before_the_role_required_a_second_factor_does_nothing(
    mailbox, require_second_factor_of
):
    links = mailbox.submitted_links()
    require_second_factor_of(roles.APPROVER)

    refused = mailbox.client.get(links["approve"])

    assert refused.status_code == 403
    assert "second factor" in refused.get_data(as_text=True)
    assert mailbox.decisions() == []


def test_a_correction_task_mail_has_only_the_open_button(mailbox):
    links = mailbox.submitted_links()
    mailbox.confirm(links["return"], comment="Wrong VAT")
    mailbox.deliver()

    correction = [m for m in mailbox.mails_to("ivan") if m["Subject"].startswith("Correct")]

    assert len(correction) == 1 and html_links(correction[0]) == {}
