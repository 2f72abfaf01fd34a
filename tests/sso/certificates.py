"""Certificates for the test directory's TLS, made by the test in its own folder: a CA of our
own signing the server's certificate (127.0.0.1 and localhost), and a second CA that signed
nothing the server shows (a certificate the app must not trust).

They are valid on the real calendar (the TLS libraries in C read the system clock) and on the
test run's shifted one (TEST_CLOCK_SHIFT_DAYS): from 2 days before the earlier of the two
"now"s to 3 years after the shifted one.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.clock import SHIFT_SETTING


@dataclass(frozen=True)
class ServerCertificates:
    ca_file: Path  # the CA the app is told to trust
    certificate_file: Path
    key_file: Path
    stranger_ca_file: Path  # a CA that signed nothing the server shows


def make_server_certificates(folder: Path) -> ServerCertificates:
    ca_key, ca = _certificate_authority("InvoiceFlow test CA")
    _unused_key, stranger = _certificate_authority("Someone else's CA")
    server_key = ec.generate_private_key(ec.SECP256R1())
    names = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    server = (
        _builder(_name("127.0.0.1"), ca.subject, server_key)
        .add_extension(names, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    files = ServerCertificates(
        ca_file=folder / "ca.pem",
        certificate_file=folder / "server.pem",
        key_file=folder / "server-key.pem",
        stranger_ca_file=folder / "stranger-ca.pem",
    )
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.stranger_ca_file.write_bytes(stranger.public_bytes(serialization.Encoding.PEM))
    files.certificate_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.key_file.chmod(0o600)
    return files


def _certificate_authority(common_name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(common_name)
    certificate = (
        _builder(subject, subject, key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _builder(subject: x509.Name, issuer: x509.Name, key) -> x509.CertificateBuilder:
    valid_from, valid_until = _validity()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_until)
    )


def _validity() -> tuple[datetime, datetime]:
    shifted_now = datetime.now(UTC)  # the test run's calendar, moved ahead or not
    real_now = shifted_now - timedelta(days=int(os.environ.get(SHIFT_SETTING) or 0))
    return min(real_now, shifted_now) - timedelta(days=2), shifted_now + timedelta(days=3 * 365)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
