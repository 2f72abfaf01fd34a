"""Serve InvoiceFlow for the browser tests: its own database, seeded users, a free port.

Run as `python -m tests.e2e.server --database-url URL --files-dir DIR --ready-file PATH`
from the repository root. Creates the schema, the roles, the approval process (processes/*.bpmn
as version 1), the users and two counterparties, then listens on a free localhost port and writes
that port to the ready file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from werkzeug.serving import make_server

from app import create_app, roles
from app.extensions import db
from app.role_defaults import seed_roles
from app.services.process_versions import seed_process_versions
from tests.factories import Factories

USERS = {
    "initiator": roles.INITIATOR,
    "approver1": roles.APPROVER,
    "approver2": roles.APPROVER,
    "finance": roles.FINANCE_DIRECTOR,
    "analyst": roles.ANALYST,
    "admin": roles.ADMIN,
    # Sets up a second factor in its test: no other test signs in as this user.
    "auditor": roles.AUDITOR,
}
COUNTERPARTY = "Acme Supplies GmbH"
# Listed first in the form, so choosing COUNTERPARTY takes a real choice in the browser.
OTHER_COUNTERPARTY = "Borealis Trading"


def build_app(database_url: str, files_dir: str):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        FILE_STORAGE_DIR=files_dir,
        WTF_CSRF_ENABLED=True,  # a real browser posts real forms, tokens included
        DISCUSSION_POLL_SECONDS=3,  # an open thread shows a new message within seconds
    )
    with app.app_context():
        db.create_all()
        seed_roles(app.appbuilder)
        seed_process_versions(db.session, app.config["PROCESSES_DIR"])
        db.session.remove()
    make = Factories(app)
    for username, role in USERS.items():
        make.user(username, role)
    make.counterparty(OTHER_COUNTERPARTY)
    make.counterparty(COUNTERPARTY)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--files-dir", required=True)
    parser.add_argument("--ready-file", required=True)
    args = parser.parse_args()
    app = build_app(args.database_url, args.files_dir)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    ready = Path(args.ready_file)
    partial = ready.with_suffix(".tmp")
    partial.write_text(str(server.server_port))
    partial.replace(ready)  # the test never reads a half-written port
    server.serve_forever()


if __name__ == "__main__":
    main()
