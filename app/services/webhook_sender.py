"""Sending one webhook request over HTTP: to an address checked after resolution (and pinned,
so the connection goes where the check looked), short timeouts, no redirects, no proxies."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

import httpx

from app.domain.webhook_addresses import (
    Allowlist,
    Resolver,
    Target,
    checked_addresses,
    parse_url,
    resolve,
)

EXCERPT_BYTES = 2000
USER_AGENT = "InvoiceFlow-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    status_code: int
    excerpt: str  # the start of the body, as text


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", as the X-InvoiceFlow-Signature header's value."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(secrets: list[str], timestamp: int, body: bytes, event: str, uid: str) -> dict:
    """The request's headers; during a secret's rotation overlap the signature header holds one
    signature per secret, the new one first, comma-separated."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-InvoiceFlow-Event": event,
        "X-InvoiceFlow-Delivery": uid,
        "X-InvoiceFlow-Timestamp": str(timestamp),
        "X-InvoiceFlow-Signature": ",".join(signature(s, timestamp, body) for s in secrets),
    }


class HttpSender:
    """POSTs a body; raises AddressRefusedError (refused or unresolvable address) or an httpx
    error (timeout, connection), answers with the status and the start of the body."""

    def __init__(
        self,
        allowlist: Allowlist,
        timeout: float = 5.0,
        connect_timeout: float = 3.0,
        resolver: Resolver = resolve,
    ):
        self.allowlist, self.resolver = allowlist, resolver
        self.timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self._client: httpx.Client | None = None  # one per batch: its TLS setup is costly

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.timeout, follow_redirects=False, trust_env=False
            )
        return self._client

    def send(self, url: str, body: bytes, headers: dict) -> Answer:
        target = parse_url(url)
        address = checked_addresses(target, self.allowlist, self.resolver)[0]
        client = self._http()
        request = client.build_request(
            "POST",
            _pinned_url(target, address),
            content=body,
            headers={**headers, "Host": _host_header(target)},
            extensions={"sni_hostname": target.host},  # TLS checks the name, not the IP
        )
        response = client.send(request, stream=True)
        try:
            return Answer(response.status_code, _excerpt(response))
        finally:
            response.close()


def _pinned_url(target: Target, address) -> str:
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    return f"{target.scheme}://{host}:{target.port}{target.path}"


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _excerpt(response: httpx.Response) -> str:
    read = b""
    for chunk in response.iter_bytes():
        read += chunk
        if len(read) >= EXCERPT_BYTES:
            break
    return read[:EXCERPT_BYTES].decode("utf-8", "replace")
