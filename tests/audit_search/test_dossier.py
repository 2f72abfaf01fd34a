"""The invoice dossier: a PDF of the card, every round's decisions, the payment, the files with
their SHA-256, the discussion and the audit chain's head, in the reader's language and zone;
downloadable by whoever may open the card, and by nobody else."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from app.extensions import db
from tests.audit_search.conftest import APPROVE_COMMENT, MESSAGE, RETURN_COMMENT, expect
from tests.web.forms import PDF


def dossier_text(client, invoice_id) -> str:
    answer = expect(client.get(f"/invoices/{invoice_id}/dossier.pdf"))
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(answer.data))
    # Table cells wrap: read the words, not the lines.
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def chain_head(app, invoice_id) -> tuple[int, str]:
    with app.app_context():
        row = db.session.execute(
            text(
                "SELECT sequence, hash FROM audit_event WHERE chain = :chain "
                "ORDER BY sequence DESC LIMIT 1"
            ),
            {"chain": f"invoice:{invoice_id}"},
        ).one()
        db.session.remove()
    return row.sequence, row.hash


def test_the_dossier_tells_the_whole_story_in_english(app, story, login):
    text_ = dossier_text(login("audra"), story.invoice_id)
    length, head = chain_head(app, story.invoice_id)
    for expected in (
        f"Invoice #{story.number}: dossier",
        "ООО Ромашка",
        "7707083893",
        "125 000.50 RUB",  # the no-break space read as a space
        "ВХ-17",
        "Approval history",
        "Returned for rework",
        RETURN_COMMENT,
        "Approved",
        APPROVE_COMMENT,
        "Anna Tester",
        "PP-4711",
        "order.pdf",
        "счёт-17.pdf",
        hashlib.sha256(PDF).hexdigest(),
        MESSAGE,
        f"Audit chain invoice:{story.invoice_id}: {length} events",
        head,
        "every link of the chain matched",
        "flask audit verify",
        "MSK",  # times on the reader's clock (Europe/Moscow by default)
    ):
        assert expected in text_, expected


def test_the_dossier_reads_in_russian_for_a_russian_reader(app, story, login):
    audra = login("audra")
    audra.get("/lang/ru")
    text_ = dossier_text(audra, story.invoice_id)
    for expected in (
        f"Счёт #{story.number}: досье",
        "История согласования",
        "Возвращён на доработку",
        RETURN_COMMENT,
        "Обсуждение",
        MESSAGE,
        "Журнал аудита",
        "flask audit verify",
    ):
        assert expected in text_, expected
    assert "Approval history" not in text_ and "Discussion" not in text_


def test_the_dossier_shows_times_in_the_readers_time_zone(story, login):
    audra = login("audra")
    expect(
        audra.post("/account/time-zone/", data={"time_zone": "Asia/Tokyo"}, follow_redirects=True)
    )
    assert "JST" in dossier_text(audra, story.invoice_id)


def test_a_tampered_chain_is_called_broken_in_the_dossier(app, story, login):
    with app.app_context():
        db.session.execute(
            text("UPDATE audit_event SET details = :d WHERE chain = :c AND sequence = 2"),
            {"d": '{"forged": true}', "c": f"invoice:{story.invoice_id}"},
        )
        db.session.commit()
        db.session.remove()
    assert "THE CHAIN IS BROKEN at event 2" in dossier_text(login("audra"), story.invoice_id)


@pytest.mark.parametrize("who", ["ivan", "anna", "fedor", "adam"])
def test_those_who_may_open_the_card_may_download_the_dossier(story, login, who):
    assert f"#{story.number}" in dossier_text(login(who), story.invoice_id)


def test_someone_who_may_not_see_the_invoice_gets_a_404(story, login):
    boris = login("boris")
    assert boris.get(f"/invoices/show/{story.invoice_id}").status_code == 404
    assert boris.get(f"/invoices/{story.invoice_id}/dossier.pdf").status_code == 404


def test_an_unknown_invoice_is_a_404_and_a_stranger_is_sent_to_sign_in(story, client, login):
    assert client.get(f"/invoices/{story.invoice_id}/dossier.pdf").status_code == 302
    assert login("audra").get("/invoices/999999/dossier.pdf").status_code == 404


def test_the_card_links_to_its_dossier(story, login):
    page = login("ivan").get(f"/invoices/show/{story.invoice_id}").get_data(as_text=True)
    assert f'href="/invoices/{story.invoice_id}/dossier.pdf"' in page
