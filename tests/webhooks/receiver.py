"""A real HTTP receiver on localhost (http.server in a thread) that records what it gets and
answers with the status codes a test scripts (200 once the script runs out)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    answered: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    def __init__(self):
        self.received: list[Received] = []
        self.script: list[int] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/invoices"

    def answer_next(self, *codes: int) -> None:
        with self._lock:
            self.script.extend(codes)

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> list[Received]:
        """What it accepted (answered 2xx)."""
        return [r for r in self.received if 200 <= r.answered < 300]

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    code = receiver.script.pop(0) if receiver.script else 200
                    receiver.received.append(
                        Received(self.path, dict(self.headers.items()), body, code)
                    )
                answer = b'{"ok": true}' if code < 300 else b"receiver is down for maintenance"
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # quiet
                pass

        return Handler
