"""An SMTP server that accepts everything and writes each message's Message-ID to a file, one a
line (the outbox bench counts deliveries and duplicates from it). Run in a process of its own:

    .venv/bin/python bench/smtp_sink.py PORT FILE
"""

from __future__ import annotations

import email
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.content)
        self.out.write(f"{message['Message-ID']}\n")
        self.out.flush()  # before the 250: the server has it once it says so
        return "250 OK"


def main(port: int, path: str) -> None:
    with open(path, "a", encoding="utf-8") as out:
        controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
        controller.start()
        print("sink ready", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        stop.wait()
        controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
