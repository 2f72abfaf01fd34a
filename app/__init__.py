"""InvoiceFlow application factory."""

from __future__ import annotations

from flask import Flask
from flask_appbuilder import AppBuilder
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import extensions, i18n
from app.extensions import csrf, db, migrate
from app.models import sealed
from app.web import converters
from config import BASE_DIR, INSTANCE_DIR, config_for


def create_app(config: str | type | None = None, **overrides) -> Flask:
    config_class = config_for(config) if config is None or isinstance(config, str) else config
    config_class.check()
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    sealed.configure(
        app.config["SECRET_KEY"],
        app.config["FIELD_ENCRYPTION_KEY"],
        app.config["FIELD_ENCRYPTION_OLD_KEYS"],
    )
    converters.register(app)
    _configure_database(app)
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=str(BASE_DIR / "migrations"))
    extensions.mail.init_app(app)  # (app.mail is the outbox relay module)
    csrf.init_app(app)
    with app.app_context():
        appbuilder = AppBuilder(
            base_template="layout.html", update_perms=app.config["FAB_UPDATE_PERMS"]
        )
        appbuilder.init_app(app, db.session)
        i18n.keep_translations(app)
        from app.web import (
            errors,
            icons,
            languages,
            menu,
            registry,
            security_headers,
            sessions,
            sign_in_gate,
            templating,
        )

        registry.register(appbuilder)
        security_headers.register(app)
        errors.register(app)
        icons.register(app)
        sessions.register(app)
        sign_in_gate.register(app)
        languages.register(app)
        menu.register(app)
        templating.register(app)
    from app import cli

    cli.register(app)
    from app import logging_setup
    from app.web import health, metrics

    health.register(app)  # /healthz, /readyz and /metrics answer before any session machinery
    metrics.register(app)
    logging_setup.configure_logging(app)  # last: every request's id, the probes' too
    return app


def _configure_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})  # a copy: not Config's
    connect_args = dict(options.get("connect_args") or {})
    if uri.startswith("sqlite") and uri not in ("sqlite://", "sqlite:///:memory:"):
        connect_args["timeout"] = app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]
    elif uri.startswith("postgresql"):
        connect_args.setdefault("connect_timeout", app.config["DATABASE_CONNECT_TIMEOUT_SECONDS"])
        if not app.config.get("DATABASE_JIT", False):
            connect_args["options"] = f"{connect_args.get('options', '')} -c jit=off".strip()
        if not app.config.get("DATABASE_PREPARED_STATEMENTS", True):
            connect_args["prepare_threshold"] = None
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
