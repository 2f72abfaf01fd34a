"""A real SMTP server (aiosmtpd) on a free localhost port; stop it to simulate an outage."""

from __future__ import annotations

import asyncio
import email
import socket
import time
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []  # each message's envelope (RCPT TO)
        self.answers: list[str] = []  # scripted refusals, e.g. "451 try later", then "250"
        self.delay = 0.0  # seconds a slow server takes over each message before answering
        self.arrived: list[float] = []  # time.monotonic() of each accepted message

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.answers:
            answer = self.answers.pop(0)
            if not answer.startswith("2"):
                return answer
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        self.recipients.append(list(envelope.rcpt_tos))
        self.arrived.append(time.monotonic())
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def text(self, message) -> str:
        return message.get_body(("plain",)).get_content()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
