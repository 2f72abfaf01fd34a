"""A real OpenID Connect provider on localhost: oidc-provider-mock (PyPI) in its own process,
checking PKCE as real providers do (tests/sso/pkce_checking_provider.py).

It signs ID tokens with its own key, serves discovery, token and userinfo endpoints, and lets
the test choose who signs in: the authorization page is a form whose `sub` is the person.
Each person's claims (names, e-mail, groups) are set with PUT /users/<sub>.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

START_SECONDS = 20
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcProvider:
    def __init__(self) -> None:
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    def start(self) -> OidcProvider:
        self._process = subprocess.Popen(
            # on the test run's calendar, or its tokens look expired to the app
            [sys.executable, "-m", "tests.on_test_calendar", "tests.sso.pkce_checking_provider"]
            + ["-H", "127.0.0.1", "-p", str(self.port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the OIDC provider exited with {self._process.returncode}")
            try:
                requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"the OIDC provider did not answer in {START_SECONDS}s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def set_person(self, sub: str, username: str, groups, first="Pavel", last="Smirnov") -> None:
        claims = {
            "preferred_username": username,
            "email": f"{username}@example.org",
            "given_name": first,
            "family_name": last,
            "groups": list(groups),
        }
        answer = requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5)
        answer.raise_for_status()
