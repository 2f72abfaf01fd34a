"""Two app instances on two ports (real HTTP servers), one database and one bucket between them,
as two web machines behind a proxy: each serves the files uploaded on the other."""

from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app, roles
from app.extensions import db
from app.models import Attachment
from app.role_defaults import seed_roles
from app.services.process_versions import seed_process_versions
from tests.databases import temporary_database
from tests.factories import PASSWORD, Factories
from tests.storage.conftest import bucket_settings
from tests.web.forms import PDF


@contextmanager
def served(app):
    """`app` on a free localhost port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def machines(tmp_path, s3_server):
    """Base URLs of machines A and B, and A's app (for reading the shared database)."""
    settings = bucket_settings(s3_server, s3_server.new_bucket())
    with temporary_database(tmp_path, "invoiceflow_machines") as url:
        apps = [
            create_app("test", SQLALCHEMY_DATABASE_URI=url, FILE_STORAGE_DIR=str(tmp_path / name),
                       **settings)
            for name in ("a-files", "b-files")
        ]  # fmt: skip
        with apps[0].app_context():
            db.create_all()
            seed_roles(apps[0].appbuilder)
            seed_process_versions(db.session, apps[0].config["PROCESSES_DIR"])
            db.session.remove()
        try:
            with served(apps[0]) as a, served(apps[1]) as b:
                yield a, b, apps[0]
        finally:
            for app in apps:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()


def signed_in(base_url: str, username: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        f"{base_url}/api/v1/security/login",
        json={"username": username, "password": PASSWORD, "provider": "db"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return session


def upload(base_url: str, invoice: int, name: str, content: bytes) -> int:
    answer = signed_in(base_url, "ivan").post(
        f"{base_url}/api/v1/invoice/{invoice}/attachments",
        files={"files": (name, content)},
        data={"kind": "invoice"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["result"][0]["id"]


def download(base_url: str, invoice: int, file_id: int) -> bytes:
    answer = signed_in(base_url, "anna").get(
        f"{base_url}/api/v1/invoice/{invoice}/attachments/{file_id}", timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.content


def recorded_digest(app, file_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(Attachment.sha256).where(Attachment.id == file_id))


def test_each_machine_serves_the_files_uploaded_on_the_other(machines):
    a, b, app = machines
    make = Factories(app)
    ivan, anna = make.user("ivan", roles.INITIATOR), make.user("anna", roles.APPROVER)
    invoice = make.invoice(ivan, make.counterparty(), approvers=[anna])

    on_a = upload(a, invoice, "from-a.pdf", PDF + b"% uploaded on A")
    on_b = upload(b, invoice, "from-b.pdf", PDF + b"% uploaded on B")

    served_by_b = download(b, invoice, on_a)
    served_by_a = download(a, invoice, on_b)
    assert served_by_b == PDF + b"% uploaded on A"
    assert served_by_a == PDF + b"% uploaded on B"
    assert hashlib.sha256(served_by_b).hexdigest() == recorded_digest(app, on_a)
    assert hashlib.sha256(served_by_a).hexdigest() == recorded_digest(app, on_b)
