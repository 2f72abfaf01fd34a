"""Which addresses a webhook may be sent to: public ones only, unless the allowlist names them.

A receiver in a private, loopback, link-local, multicast or reserved range could be a server
inside the company's network that the app would then call for whoever registered the URL
(server-side request forgery). The check runs at registration and again at each delivery on
the addresses the name resolves to then (a name may be pointed elsewhere after registration).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

URL_LIMIT = 2000
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressRefusedError(ValueError):
    """The URL cannot be used: why, in a sentence for the admin (English; the service
    translates the kinds it knows)."""

    def __init__(self, reason: str, host: str = ""):
        super().__init__(reason)
        self.reason, self.host = reason, host


@dataclass(frozen=True)
class Allowlist:
    """WEBHOOK_ALLOWED_HOSTS: host names and networks (CIDR or single addresses) that may be
    private, e.g. `localhost,127.0.0.1/32,10.1.2.0/24`."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, setting: str | Iterable[str]) -> Allowlist:
        items = setting.split(",") if isinstance(setting, str) else list(setting)
        hosts, networks = set(), []
        for item in (i.strip().lower() for i in items):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, address: Address) -> bool:
        if host.lower().rstrip(".") in self.hosts:
            return True
        return any(address in network for network in self.networks)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent


def parse_url(url: str) -> Target:
    """Raises AddressRefusedError for anything but an absolute http(s) URL without a user."""
    if not url or len(url) > URL_LIMIT or any(c.isspace() for c in url):
        raise AddressRefusedError("not a URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefusedError("not a URL") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefusedError("only http and https URLs")
    if parts.username or parts.password:
        raise AddressRefusedError("no user or password in the URL")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname.lower(), port or default, path)


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """The addresses a name resolves to now (every family)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def checked_addresses(
    target: Target, allowlist: Allowlist, resolver: Resolver = resolve
) -> list[Address]:
    """Every address the host resolves to, each public or allowed; raises AddressRefusedError
    when the name does not resolve or any address is refused (one bad one is enough: the
    connection could go to it)."""
    try:
        found = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(target.host, target.port)]
    except (OSError, UnicodeError, ValueError) as exc:
        raise AddressRefusedError("the host name does not resolve", target.host) from exc
    if not found:
        raise AddressRefusedError("the host name does not resolve", target.host)
    for address in found:
        if not is_public(address) and not allowlist.allows(target.host, address):
            raise AddressRefusedError("a private, loopback or reserved address", str(address))
    return found
