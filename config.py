"""InvoiceFlow settings: each one declared once, with its environment variable and default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def _development_secret_key() -> str:
    """Generate a secret once and keep it under instance/, so sessions survive restarts."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    APP_NAME = "InvoiceFlow"
    APP_THEME = ""
    HOST = _env("HOST", "127.0.0.1")
    PORT = _env_int("PORT", 5000)
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Secrets kept in the database (TOTP keys) are sealed with this Fernet key; unset, one is
    # derived from SECRET_KEY. When changing it, list the previous keys (comma-separated) in
    # FIELD_ENCRYPTION_OLD_KEYS so values sealed before still open.
    FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY")
    FIELD_ENCRYPTION_OLD_KEYS = _env("FIELD_ENCRYPTION_OLD_KEYS", "")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'invoiceflow.db'}")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # What anonymous visitors may do (the Public role; empty by default) is read at most this often.
    PUBLIC_PERMISSIONS_TTL_SECONDS = _env_int("PUBLIC_PERMISSIONS_TTL_SECONDS", 30)
    # A losing SQLite writer waits this long for the lock before the request answers 503.
    SQLITE_BUSY_TIMEOUT_SECONDS = _env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 15)

    # Files: kept outside the web root, under the instance folder by default.
    FILE_STORAGE_DIR = _env("FILE_STORAGE_DIR", str(INSTANCE_DIR / "files"))
    MAX_FILE_SIZE = _env_int("MAX_FILE_SIZE", 20 * 1024 * 1024)
    # A request may carry several files plus the form; each file is also checked on its own.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 21 * 1024 * 1024)
    # Werkzeug's own cap on in-memory form fields; justification texts stay far below it.
    MAX_FORM_MEMORY_SIZE = _env_int("MAX_FORM_MEMORY_SIZE", 2 * 1024 * 1024)
    # No request needs JSON (or an API's rison query) nested deeper than this.
    MAX_JSON_DEPTH = _env_int("MAX_JSON_DEPTH", 32)
    # Rows per page of a list screen; larger requests get this many.
    LIST_MAX_PAGE_SIZE = _env_int("LIST_MAX_PAGE_SIZE", 100)
    # Tasks approved in one bulk request (My tasks, POST /api/v1/tasks/bulk-decide); more: 422.
    BULK_DECISION_MAX_TASKS = _env_int("BULK_DECISION_MAX_TASKS", 100)
    # An export of the invoice list (CSV, XLSX) holds at most this many rows: a larger filter is
    # refused with a message asking to narrow it.
    EXPORT_MAX_ROWS = _env_int("EXPORT_MAX_ROWS", 50_000)

    PROCESSES_DIR = _env("PROCESSES_DIR", str(BASE_DIR / "processes"))
    # A diagram's code (conditions, scripts, timer expressions) runs in a process of its own:
    # all of one action's code together may take this long and use this much memory.
    DIAGRAM_CODE_SECONDS = float(_env("DIAGRAM_CODE_SECONDS", "2"))
    DIAGRAM_CODE_MEMORY_MB = _env_int("DIAGRAM_CODE_MEMORY_MB", 256)

    # Mail: without MAIL_SERVER, messages are written to MAIL_FOLDER instead of being sent.
    MAIL_SERVER = _env("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "InvoiceFlow <invoiceflow@localhost>")
    MAIL_FOLDER = _env("MAIL_FOLDER", str(INSTANCE_DIR / "mail"))
    # The worker: how often it looks for mail and timers; whether run.py starts one beside the app.
    WORKER_INTERVAL_SECONDS = _env_int("WORKER_INTERVAL_SECONDS", 5)
    RUN_WORKER_IN_PROCESS = _env_bool("RUN_WORKER_IN_PROCESS", True)
    # Audit anchors: the worker writes every chain's head into this folder (empty: it does not),
    # at most once per interval and only after new events. Point it outside the database's
    # reach: another machine or write-once storage. With the key, each anchor carries an
    # HMAC-SHA256 and verify refuses one whose HMAC is missing or wrong.
    AUDIT_ANCHOR_DIR = _env("AUDIT_ANCHOR_DIR", "")
    AUDIT_ANCHOR_INTERVAL_SECONDS = _env_int("AUDIT_ANCHOR_INTERVAL_SECONDS", 300)
    # How long past its due time an event may wait for its anchor (worker restarts, a deploy)
    # before verify warns that anchors may have been removed and the worker stops anchoring.
    AUDIT_ANCHOR_MARGIN_SECONDS = _env_int("AUDIT_ANCHOR_MARGIN_SECONDS", 600)
    AUDIT_ANCHOR_HMAC_KEY = os.environ.get("AUDIT_ANCHOR_HMAC_KEY")

    # Invoice rules.
    ISSUE_DATE_FUTURE_MARGIN_DAYS = _env_int("ISSUE_DATE_FUTURE_MARGIN_DAYS", 3)
    DEFAULT_CURRENCY = _env("DEFAULT_CURRENCY", "RUB")
    DEFAULT_COUNTRY = _env("DEFAULT_COUNTRY", "RU")
    MAX_APPROVERS = 3
    BASE_URL = _env("BASE_URL", "http://127.0.0.1:5000")

    # Flask-AppBuilder.
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_RATE_LIMITED = False  # FAB's own limiter counts every attempt; ours counts failures
    # Failed logins (UI and API) per account and per client address; beyond them a login gets 429.
    # The counters live in LOGIN_LIMIT_STORAGE_URL: memory:// counts in one process only; give
    # several web processes a shared store, e.g. redis://127.0.0.1:6379.
    LOGIN_LIMIT_STORAGE_URL = _env("LOGIN_LIMIT_STORAGE_URL", "memory://")
    LOGIN_LIMIT_KEY_PREFIX = _env("LOGIN_LIMIT_KEY_PREFIX", "invoiceflow-login")
    LOGIN_FAILURES_PER_MINUTE = _env_int("LOGIN_FAILURES_PER_MINUTE", 10)
    LOGIN_FAILURES_PER_HOUR = _env_int("LOGIN_FAILURES_PER_HOUR", 100)
    # Schema comes from Alembic migrations; roles and permissions from `flask init-security`.
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_SECURITY_MANAGER_CLASS = "app.security.InvoiceFlowSecurityManager"
    FAB_API_SWAGGER_UI = True
    FAB_ADD_SECURITY_API = False  # user/role CRUD APIs; /api/v1/security/login is always there
    FAB_API_MAX_PAGE_SIZE = 100
    FAB_PASSWORD_COMPLEXITY_ENABLED = False  # our rules below apply to every password set
    # Password rules (app/domain/passwords.py): a minimum length, not the user name, not a
    # common password. The built-in list is zxcvbn's 30,000 most common passwords; a file (one
    # password a line, e.g. a larger published list) adds to it.
    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 12)
    PASSWORD_COMMON_LIST_FILE = os.environ.get("PASSWORD_COMMON_LIST_FILE") or None
    # After the password, a user with a second factor has this long to enter a code.
    SECOND_FACTOR_PENDING_SECONDS = _env_int("SECOND_FACTOR_PENDING_SECONDS", 5 * 60)
    # This many wrong codes in a row lock the second factor for SECOND_FACTOR_LOCKOUT_MINUTES
    # (no code is tried meanwhile; the user is told by mail); a right code after that, or an
    # admin's reset, unlocks it.
    SECOND_FACTOR_MAX_FAILURES = _env_int("SECOND_FACTOR_MAX_FAILURES", 10)
    SECOND_FACTOR_LOCKOUT_MINUTES = _env_int("SECOND_FACTOR_LOCKOUT_MINUTES", 15)
    # The issuer an authenticator app shows beside the account.
    TOTP_ISSUER = _env("TOTP_ISSUER", "InvoiceFlow")
    # The session cookie: never readable by scripts, not sent by other sites' requests (only
    # their links), and in production only over HTTPS (ProductionConfig).
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    # A browser session left unused this long, or signed in longer ago than SESSION_MAX_HOURS,
    # is signed out; API tokens (and their refresh tokens) end at SESSION_MAX_HOURS too.
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_MAX_HOURS = _env_int("SESSION_MAX_HOURS", 12)
    # Strict-Transport-Security max-age; 0 sends none (production behind HTTPS sends a year).
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 0)
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    JWT_ACCESS_TOKEN_EXPIRES = _env_int("JWT_ACCESS_TOKEN_EXPIRES", 15 * 60)
    # Seconds; a refresh token never outlives its sign-in's SESSION_MAX_HOURS anyway.
    JWT_REFRESH_TOKEN_EXPIRES = _env_int("JWT_REFRESH_TOKEN_EXPIRES", SESSION_MAX_HOURS * 3600)

    BABEL_DEFAULT_LOCALE = _env("BABEL_DEFAULT_LOCALE", "en")
    # The time zone (IANA name) of a user who has not chosen one in their profile: every time
    # shown or mailed to them is in it. Times are stored in UTC whatever this says.
    DEFAULT_TIME_ZONE = _env("DEFAULT_TIME_ZONE", "Europe/Moscow")
    BABEL_DEFAULT_FOLDER = "translations"
    LANGUAGES = {
        "en": {"flag": "gb", "name": "English"},
        "ru": {"flag": "ru", "name": "Русский"},
    }

    # The home page is the dashboard (app/web/views/dashboard.py), not FAB's empty Welcome page.
    FAB_INDEX_VIEW = "app.web.views.dashboard.DashboardView"
    # How many rows each list of the dashboard shows (tasks, overdue invoices, incidents).
    DASHBOARD_ROWS = _env_int("DASHBOARD_ROWS", 10)

    # An open card or task page asks for new discussion messages this often (while its tab is
    # visible); each ask is one small indexed query.
    DISCUSSION_POLL_SECONDS = _env_int("DISCUSSION_POLL_SECONDS", 10)
    # A file chosen in a form refused for another reason (the pay form) is kept this long for
    # the re-rendered form, in this folder (empty: `held` under FILE_STORAGE_DIR, which several
    # web machines share anyway).
    HELD_UPLOAD_DIR = _env("HELD_UPLOAD_DIR", "")
    HELD_UPLOAD_SECONDS = _env_int("HELD_UPLOAD_SECONDS", 3600)

    # Demo data is seeded only where a developer runs the app for themselves.
    DEMO_DATA = _env_bool("DEMO_DATA", False)
    DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo password, development only

    @classmethod
    def check(cls) -> None:
        """Refuse to start without the settings production cannot invent."""
        if not cls.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in the environment for production.")


class DevelopmentConfig(Config):
    DEMO_DATA = _env_bool("DEMO_DATA", True)

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY:
            cls.SECRET_KEY = _development_secret_key()


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-for-the-test-suite-only-0123456789"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - fast hashing for tests

    @classmethod
    def check(cls) -> None:
        return None


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    return CONFIGS[name or _env("INVOICEFLOW_ENV", "development")]
