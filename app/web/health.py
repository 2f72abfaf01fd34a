"""Probes for a load balancer: `GET /healthz` (the process answers; no database) and
`GET /readyz` (the database answers, its schema is at the code's Alembic head, and a worker beat
recently). JSON, 200 or 503 naming what failed.

They are answered in a WSGI middleware, before Flask-AppBuilder: no session, user, CSRF, rate
limit or template is touched, so a probe every second costs one query or three.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app.extensions import db
from app.models.base import utcnow
from app.services.worker_heartbeat import youngest_heartbeat_age

HEALTH_PATH, READY_PATH = "/healthz", "/readyz"


def register(app) -> None:
    app.wsgi_app = ProbeMiddleware(app, app.wsgi_app)


class ProbeMiddleware:
    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        if path not in (HEALTH_PATH, READY_PATH):
            return self.wsgi_app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(start_response, 405, {"status": "method not allowed"})
        if path == HEALTH_PATH:
            return _answer(start_response, 200, {"status": "ok"})
        checks = readiness(self.app)
        ready = all(check["ok"] for check in checks.values())
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return _answer(start_response, 200 if ready else 503, body)


def readiness(app) -> dict[str, dict]:
    """Each check: {"ok": bool, ...what was seen}. Later checks need the database."""
    with app.app_context():
        try:
            database = _database()
            if not database["ok"]:
                return {"database": database}
            return {
                "database": database,
                "migrations": _checked(lambda: _migrations(app)),
                "worker": _checked(lambda: _worker(app.config["READY_WORKER_MAX_AGE_SECONDS"])),
            }
        finally:
            db.session.remove()


def _checked(check) -> dict:
    """A check that fails to run (a table missing before the upgrade) says so, never a 500."""
    try:
        return check()
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        return {"ok": False, "error": f"could not check ({type(exc).__name__})"}


def _database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to answer is "not ready"
        db.session.rollback()
        return {"ok": False, "error": f"unreachable ({type(exc).__name__})"}
    return {"ok": True}


def _migrations(app) -> dict:
    """Ready at the code's head, or ahead of it: during an upgrade the migrations run first
    and the processes still on the previous code keep serving. A database behind the code
    (a revision this code knows, below its head) is not ready."""
    directory = app.extensions["migrate"].directory
    code = code_head(directory)
    current = MigrationContext.configure(db.session.connection()).get_current_heads()
    database = ",".join(current) or None
    behind = database != code and (database is None or database in older_revisions(directory))
    result = {"ok": not behind, "database": database, "code": code}
    if behind:
        result["error"] = "the database is not at the code's migration head: run `flask db upgrade`"
    return result


@cache
def code_head(directory: str) -> str:
    """The code's Alembic head; it cannot change while the process runs."""
    return ScriptDirectory(str(Path(directory))).get_current_head()


@cache
def older_revisions(directory: str) -> frozenset[str]:
    """Every revision of this code below its head (a newer one is unknown to it)."""
    script = ScriptDirectory(str(Path(directory)))
    head = script.get_current_head()
    return frozenset(r.revision for r in script.walk_revisions() if r.revision != head)


def _worker(max_age_seconds: int) -> dict:
    if max_age_seconds <= 0:
        return {"ok": True, "checked": False}  # READY_WORKER_MAX_AGE_SECONDS=0: not asked
    age = youngest_heartbeat_age(db.session, utcnow())
    if age is None:
        return {"ok": False, "error": "no worker has ever beaten"}
    result = {"ok": age <= max_age_seconds, "age_seconds": round(age, 1)}
    if not result["ok"]:
        result["error"] = f"the youngest worker heartbeat is older than {max_age_seconds} s"
    return result


def _answer(start_response, status: int, body: dict):
    payload = json.dumps(body).encode()
    reason = {200: "OK", 405: "METHOD NOT ALLOWED", 503: "SERVICE UNAVAILABLE"}[status]
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(payload))),
        ("Cache-Control", "no-store"),
    ]
    if status == 405:
        headers.append(("Allow", "GET, HEAD"))
    start_response(f"{status} {reason}", headers)
    return [payload]
