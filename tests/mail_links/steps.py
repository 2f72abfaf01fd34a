"""Deciding from the mailbox, as a recipient does: the task mail arrives at a real SMTP server,
its links are read from the message received, opened and confirmed over HTTP."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from app import roles
from app.extensions import db
from app.models import AuditEvent, HumanTask, TaskStatus
from app.worker import work_once

ACTIONS = ("approve", "return", "reject")
LINK = re.compile(r"https?://\S+/mail-actions/[A-Za-z0-9_.\-]+")


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("data-action"):
            self.links[attributes["data-action"]] = attributes["href"]


def html_links(message) -> dict[str, str]:
    """The decision buttons of a received mail's HTML body: action -> URL."""
    parser = _Anchors()
    parser.feed(message.get_body(("html",)).get_content())
    return parser.links


def text_links(message) -> list[str]:
    return LINK.findall(message.get_body(("plain",)).get_content())


def path_of(url: str) -> str:
    return urlsplit(url).path


def form_token(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html)[1]


def session_cookies(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]


class Mailbox:
    """An approver's mailbox on the test SMTP server, and the invoice the test runs."""

    def __init__(self, app, smtp, client, api_token, make):
        self.app, self.smtp, self.client, self.api_token, self.make = (
            app, smtp, client, api_token, make,
        )  # fmt: skip
        self.people = {
            "ivan": make.user("ivan", roles.INITIATOR),
            "anna": make.user("anna", roles.APPROVER),
            "boris": make.user("boris", roles.APPROVER),
            "vera": make.user("vera", roles.APPROVER),
            "adam": make.user("adam", roles.ADMIN),
        }
        self.invoice = make.invoice(
            self.people["ivan"],
            make.counterparty("Acme Supplies"),
            approvers=[self.people["anna"], self.people["boris"]],
            amount="1234.50",
        )

    def submit(self) -> None:
        ivan = self.api_token("ivan")
        response = self.client.post(f"/api/v1/invoices/{self.invoice}/submit", headers=ivan)
        assert response.status_code == 200, response.json

    def deliver(self) -> None:
        work_once(self.app)

    def mails_to(self, name: str) -> list:
        return self.smtp.inbox.to(f"{name}@example.com")

    def links_of(self, name: str) -> dict[str, str]:
        """The decision links of the newest mail to `name` (paths on this app)."""
        return {action: path_of(url) for action, url in html_links(self.mails_to(name)[-1]).items()}

    def submitted_links(self, name: str = "anna") -> dict[str, str]:
        self.submit()
        self.deliver()
        return self.links_of(name)

    def open_tasks(self, name: str) -> list[dict]:
        response = self.client.get("/api/v1/tasks/mine", headers=self.api_token(name))
        return response.json["result"]

    def confirm(self, path: str, comment: str = "", client=None):
        """Open the link, then press the confirmation page's button."""
        client = client or self.client
        page = client.get(path)
        assert page.status_code == 200, page.get_data(as_text=True)
        token = form_token(page.get_data(as_text=True))
        return client.post(path, data={"form_token": token, "comment": comment})

    def task_statuses(self) -> list[str]:
        with self.app.app_context():
            rows = db.session.query(HumanTask.status).filter_by(invoice_id=self.invoice).all()
            db.session.remove()
        return sorted(status for (status,) in rows)

    def open_count(self) -> int:
        return self.task_statuses().count(TaskStatus.OPEN)

    def decisions(self) -> list[tuple[str, int, dict]]:
        with self.app.app_context():
            events = (
                db.session.query(AuditEvent)
                .filter(AuditEvent.invoice_id == self.invoice)
                .filter(AuditEvent.action.in_(["approved", "returned", "rejected"]))
                .order_by(AuditEvent.id)
                .all()
            )
            found = [(e.action, e.actor_id, dict(e.details)) for e in events]
            db.session.remove()
        return found
