"""/healthz and /readyz answer a load balancer in JSON, without a session: 200, or 503 naming
what failed (the database, its migrations, the workers' heartbeats)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.models import WorkerHeartbeat
from app.models.base import utcnow
from app.services.worker_heartbeat import record_heartbeat
from app.worker import work_once
from tests.databases import temporary_database


@pytest.fixture(scope="module")
def migrated_app(tmp_path_factory):
    """An application on a database built by the migrations, as production's is."""
    folder = tmp_path_factory.mktemp("probes")
    with temporary_database(folder, "invoiceflow_probes") as url:
        app = create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=url,
            FILE_STORAGE_DIR=str(folder / "files"),
            MAIL_FOLDER=str(folder / "mail"),
            READY_WORKER_MAX_AGE_SECONDS=60,
        )
        with app.app_context():
            upgrade()
            db.session.remove()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def probe(migrated_app):
    yield migrated_app.test_client()
    with migrated_app.app_context():
        db.session.execute(text("DELETE FROM worker_heartbeat"))
        db.session.commit()
        db.session.remove()


def beat(app, seconds_ago: float) -> None:
    with app.app_context():
        record_heartbeat(db.session, utcnow() - timedelta(seconds=seconds_ago), {"timers": 0})
        db.session.remove()


def test_health_answers_while_the_database_is_down(tmp_path):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'folder' / 'db.sqlite'}",
        FILE_STORAGE_DIR=str(tmp_path / "files"),
    )
    client = app.test_client()
    health = client.get("/healthz")
    assert (health.status_code, health.json) == (200, {"status": "ok"})
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["status"] == "not ready"
    assert ready.json["checks"]["database"]["ok"] is False
    assert "unreachable" in ready.json["checks"]["database"]["error"]


def test_ready_when_the_schema_is_current_and_a_worker_beat_recently(probe, migrated_app):
    beat(migrated_app, seconds_ago=5)
    answer = probe.get("/readyz")
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "ready"
    checks = answer.json["checks"]
    assert checks["migrations"]["database"] == checks["migrations"]["code"]
    assert 4 <= checks["worker"]["age_seconds"] <= 60
    assert answer.headers["Content-Type"] == "application/json"


def test_the_probes_use_no_session_and_set_no_cookie(probe, migrated_app):
    beat(migrated_app, seconds_ago=1)
    for path in ("/healthz", "/readyz"):
        answer = probe.get(path)
        assert answer.status_code == 200
        assert "Set-Cookie" not in answer.headers
        assert answer.headers["Cache-Control"] == "no-store"
    # A probe is no form: a POST is refused as a method, not for a missing CSRF token.
    assert probe.post("/readyz").status_code == 405


def test_not_ready_when_no_worker_ever_beat(probe):
    answer = probe.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["worker"] == {"ok": False, "error": "no worker has ever beaten"}
    assert answer.json["checks"]["database"]["ok"] is True


def test_not_ready_when_the_youngest_heartbeat_is_older_than_the_setting(probe, migrated_app):
    beat(migrated_app, seconds_ago=300)
    answer = probe.get("/readyz")
    assert answer.status_code == 503
    worker = answer.json["checks"]["worker"]
    assert worker["ok"] is False and worker["age_seconds"] >= 300
    assert "older than 60 s" in worker["error"]


def test_not_ready_while_the_database_waits_for_its_migrations(probe, migrated_app):
    beat(migrated_app, seconds_ago=1)
    with migrated_app.app_context():
        head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        db.session.execute(text("UPDATE alembic_version SET version_num = '0015'"))
        db.session.commit()
        try:
            answer = probe.get("/readyz")
        finally:
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
            db.session.commit()
            db.session.remove()
    assert answer.status_code == 503
    migrations = answer.json["checks"]["migrations"]
    assert (migrations["ok"], migrations["database"], migrations["code"]) == (False, "0015", head)
    assert "flask db upgrade" in migrations["error"]


def test_still_ready_when_the_database_is_ahead_of_this_code(probe, migrated_app):
    """During an upgrade the migrations run first; the web still on the old code serves on."""
    beat(migrated_app, seconds_ago=1)
    with migrated_app.app_context():
        head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        db.session.execute(text("UPDATE alembic_version SET version_num = '9999_next'"))
        db.session.commit()
        try:
            answer = probe.get("/readyz")
        finally:
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
            db.session.commit()
            db.session.remove()
    assert answer.status_code == 200, answer.json
    assert answer.json["checks"]["migrations"]["database"] == "9999_next"


def test_each_worker_pass_records_the_heartbeat_of_its_process(probe, migrated_app):
    work_once(migrated_app)
    first = _heartbeats(migrated_app)
    work_once(migrated_app)
    second = _heartbeats(migrated_app)
    assert len(first) == len(second) == 1
    (worker, started, beat_at, counts), (_, started_again, beat_again, _) = first[0], second[0]
    host, pid = worker.rsplit(":", 1)
    assert host and int(pid) > 0
    assert started_again == started and beat_again >= beat_at
    assert counts["timers"] == 0 and "sent" in counts
    assert probe.get("/readyz").status_code == 200


def _heartbeats(app):
    with app.app_context():
        rows = db.session.execute(
            db.select(
                WorkerHeartbeat.worker_id,
                WorkerHeartbeat.started_at,
                WorkerHeartbeat.beat_at,
                WorkerHeartbeat.last_counts,
            )
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]
