"""Deciding from the mailbox in a real browser, in English and in Russian: the approver opens a
task e-mail's link in a browser that never signed in, sees the invoice, confirms; used, handled,
withdrawn, expired and tampered links each get a page that says why nothing changed.

The links are made as the mail makes them (the server runs TestConfig's secret); the mail
itself is tested over a real SMTP server in tests/mail_links/."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from app.domain.action_links import LinkSigner
from config import TestConfig
from tests.e2e.conftest import fresh_page, screenshot, signed_in
from tests.e2e.test_my_tasks import Api, submitted, task_of, user_id

APPROVER = "approver1"
AMOUNTS = {"en": ("7511.00", "7522.00"), "ru": ("7611.00", "7622.00")}
TEXT = {
    "en": {
        "question": "Approve invoice #{n}?",
        "done": "You approved invoice #{n}.",
        "used": "This link was already used.",
        "handled": "This task was already handled.",
        "withdrawn": "The invoice was withdrawn by its initiator.",
        "expired": "This link has expired.",
        "tampered": "This link is not valid.",
        "comment": "a comment is required",
    },
    "ru": {
        "question": "Согласовать счёт №{n}?",
        "done": "Вы согласовали счёт №{n}.",
        "used": "Эта ссылка уже использована.",
        "handled": "Эта задача уже выполнена.",
        "withdrawn": "Инициатор отозвал счёт.",
        "expired": "Срок действия ссылки истёк.",
        "tampered": "Эта ссылка недействительна.",
        "comment": "нужен комментарий",
    },
}
SIGNER = LinkSigner(TestConfig.SECRET_KEY, timedelta(hours=72))


def link(guid: str, user: int, action: str) -> str:
    return f"/mail-actions/{SIGNER.issue(guid, user, action)}"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_approver_decides_from_the_mail_without_signing_in(
    page, browser, live_server, log_in_as, language
):
    text = TEXT[language]
    log_in_as("initiator")
    approver = user_id(page, APPROVER)
    initiator = Api(page, "initiator")
    first, second = (submitted(page, initiator, amount, approver) for amount in AMOUNTS[language])
    with signed_in(browser, live_server, APPROVER) as approver_page:
        approver_page.goto(f"/lang/{language}")  # the language of their mail and link pages
        api = Api(approver_page, APPROVER)
        guid, other_guid = task_of(api, first), task_of(api, second)
    initiator.post(f"/api/v1/invoices/{second}/withdraw", {"reason": "Twice"})
    with time_machine.travel(timedelta(hours=-80)):
        expired = link(other_guid, approver, "approve")
    shot = f"mail-action-{language}"

    # A Russian reader's browser asks for Russian: what a link naming no one is answered in.
    locale = {"en": "en-GB", "ru": "ru-RU"}[language]
    window = {"viewport": {"width": 1100, "height": 800}, "locale": locale}
    with fresh_page(browser, live_server, **window) as mail:
        mail.goto(link(guid, approver, "return"))
        mail.locator("textarea[name=comment]").evaluate("e => e.removeAttribute('required')")
        mail.click("[data-test=confirm]")
        expect(mail.locator("[data-test=error]")).to_contain_text(text["comment"])
        screenshot(mail, f"{shot}-1-return-needs-a-comment")

        approve = link(guid, approver, "approve")
        mail.goto(approve)
        expect(mail.locator(".panel-title")).to_have_text(text["question"].format(n=first))
        expect(mail.locator("[data-test=counterparty]")).to_be_visible()
        screenshot(mail, f"{shot}-2-confirmation")
        mail.click("[data-test=confirm]")
        expect(mail.locator("[data-test=done]")).to_have_text(text["done"].format(n=first))
        screenshot(mail, f"{shot}-3-done")
        assert not [c for c in mail.context.cookies() if c["name"] == "session"]

        for name, url in (
            ("used", approve),
            ("handled", link(guid, approver, "reject")),
            ("withdrawn", link(other_guid, approver, "approve")),
            ("expired", expired),
            ("tampered", approve[:-4] + "AAAA"),
        ):
            mail.goto(url)
            expect(mail.locator("[data-test=refusal]")).to_contain_text(text[name])
            screenshot(mail, f"{shot}-4-{name}")
        assert not [c for c in mail.context.cookies() if c["name"] == "session"]

    with signed_in(browser, live_server, APPROVER) as approver_page:
        approver_page.goto("/lang/en")  # as the other browser tests expect this user
