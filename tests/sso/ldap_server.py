"""A real OpenLDAP server (Debian's slapd) for the tests: its own folder, slapd.conf and port.

It also speaks TLS: StartTLS on the ldap:// port and ldaps:// on a second one, with a server
certificate signed by a CA the test makes (tests/sso/certificates.py).

The directory holds people under ou=people and groups (groupOfNames) under ou=groups; the
memberof overlay keeps each person's memberOf, as Active Directory does. A service account
(cn=reader) searches; people bind with their own passwords. Seeded and changed with ldap-utils
(ldapadd, ldapmodify, ldapdelete), as an operator would.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from tests.sso.certificates import make_server_certificates

SLAPD = "/usr/sbin/slapd"
SUFFIX = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret"
READER_DN = f"cn=reader,{SUFFIX}"
READER_PASSWORD = "reader-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
START_SECONDS = 15

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
TLSCACertificateFile {tls.ca_file}
TLSCertificateFile {tls.certificate_file}
TLSCertificateKeyFile {tls.key_file}

database mdb
maxsize 104857600
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_password}
directory {folder}/data
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
overlay memberof
"""

BASE_ENTRIES = f"""\
dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: {READER_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: {READER_PASSWORD}

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups
"""


def person_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


def group_dn(name: str) -> str:
    return f"cn={name},{GROUPS}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LdapServer:
    """slapd on 127.0.0.1:<free port> (ldap://, StartTLS too) and <another> (ldaps://),
    stopped (by its process id) and its folder left for the test run's tmp_path to remove."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.tls_port = free_port()
        self.ldaps_url = f"ldaps://127.0.0.1:{self.tls_port}"
        self.certificates = None
        self._process: subprocess.Popen | None = None

    def start(self) -> LdapServer:
        (self.folder / "data").mkdir(parents=True)
        (self.folder / "tls").mkdir()
        self.certificates = make_server_certificates(self.folder / "tls")
        conf = self.folder / "slapd.conf"
        conf.write_text(
            CONFIG.format(
                folder=self.folder,
                suffix=SUFFIX,
                root_dn=ROOT_DN,
                root_password=ROOT_PASSWORD,
                tls=self.certificates,
            )
        )
        log = (self.folder / "slapd.log").open("wb")
        self._process = subprocess.Popen(
            [SLAPD, "-d", "0", "-h", f"{self.url}/ {self.ldaps_url}/", "-f", str(conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_answering()
        self._ldap("ldapadd", stdin=BASE_ENTRIES)
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def add_person(self, uid: str, password: str, first: str, last: str, groups=()) -> None:
        self._ldap(
            "ldapadd",
            stdin=f"dn: {person_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\n"
            f"cn: {first} {last}\ngivenName: {first}\nsn: {last}\nmail: {uid}@example.org\n"
            f"userPassword: {password}\n",
        )
        for name in groups:
            self.add_to_group(name, uid)

    def add_group(self, name: str) -> None:
        # groupOfNames needs a member: the reader stands in for an empty group.
        self._ldap(
            "ldapadd",
            stdin=f"dn: {group_dn(name)}\nobjectClass: groupOfNames\ncn: {name}\n"
            f"member: {READER_DN}\n",
        )

    def add_to_group(self, name: str, uid: str) -> None:
        self._modify_group(name, "add", uid)

    def remove_from_group(self, name: str, uid: str) -> None:
        self._modify_group(name, "delete", uid)

    def remove_person(self, uid: str) -> None:
        for name in self.groups_of(uid):
            self.remove_from_group(name, uid)
        self._ldap("ldapdelete", person_dn(uid))

    def groups_of(self, uid: str) -> list[str]:
        found = self._ldap("ldapsearch", "-b", GROUPS, f"(member={person_dn(uid)})", "cn")
        return [line[4:] for line in found.splitlines() if line.startswith("cn: ")]

    def _modify_group(self, name: str, change: str, uid: str) -> None:
        self._ldap(
            "ldapmodify",
            stdin=f"dn: {group_dn(name)}\nchangetype: modify\n{change}: member\n"
            f"member: {person_dn(uid)}\n",
        )

    def _ldap(self, tool: str, *args: str, stdin: str | None = None) -> str:
        command = [tool, "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD, *args]
        done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=10)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stderr}")
        return done.stdout

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                log = (self.folder / "slapd.log").read_text(errors="replace")
                raise RuntimeError(f"slapd exited with {self._process.returncode}:\n{log}")
            try:
                for port in (self.port, self.tls_port):
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        pass
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"slapd did not answer on {self.url} in {START_SECONDS}s")
