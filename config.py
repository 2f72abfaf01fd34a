"""InvoiceFlow settings: each one declared once, with its environment variable and default."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from flask_appbuilder.const import AUTH_DB, AUTH_LDAP, AUTH_OAUTH

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _env_json(name: str, default):
    value = os.environ.get(name)
    return json.loads(value) if value else default


# How staff sign in (AUTH_TYPE): passwords kept here, LDAP / Active Directory, OpenID Connect.
SIGN_IN_METHODS = {"db": AUTH_DB, "ldap": AUTH_LDAP, "oidc": AUTH_OAUTH}


def _sign_in_method() -> int:
    name = _env("AUTH_TYPE", "db").lower()
    if name not in SIGN_IN_METHODS:
        raise RuntimeError(f"AUTH_TYPE must be one of {', '.join(SIGN_IN_METHODS)}, not {name!r}.")
    return SIGN_IN_METHODS[name]


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
    # What each set of roles may do is read at most this often per web process (an edit on the
    # Roles screen applies at once in the process that saved it, elsewhere within this time).
    ROLE_PERMISSIONS_TTL_SECONDS = _env_int("ROLE_PERMISSIONS_TTL_SECONDS", 10)
    # A losing SQLite writer waits this long for the lock before the request answers 503.
    SQLITE_BUSY_TIMEOUT_SECONDS = _env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 15)
    # Each pooled connection is pinged when a request takes it from the pool, so the first
    # request after a database restart gets a live connection, not an error. At checkout only:
    # a connection lost during a transaction is never retried (app/web/outage.py says why).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Connecting to PostgreSQL gives up after this long: an unreachable host answers 503 soon.
    DATABASE_CONNECT_TIMEOUT_SECONDS = _env_int("DATABASE_CONNECT_TIMEOUT_SECONDS", 5)
    # PostgreSQL's JIT compiles a plan whose estimate looks expensive: for the app's short
    # queries compiling costs far more than running (the read pages' database CPU halves off).
    DATABASE_JIT = _env_bool("DATABASE_JIT", False)
    # A statement run a few times on a connection is prepared there (parsed and planned once).
    # Turn off behind a pooler that hands a client's statements to any server connection
    # (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).
    DATABASE_PREPARED_STATEMENTS = _env_bool("DATABASE_PREPARED_STATEMENTS", True)

    # Files: kept outside the web root. FILE_STORAGE is `local` (a folder, FILE_STORAGE_DIR;
    # several web machines must mount the same one) or `s3` (an S3-compatible bucket: MinIO, Ceph,
    # a cloud bucket). Without S3 keys boto3 looks for credentials as usual (instance role, ~/.aws).
    FILE_STORAGE = _env("FILE_STORAGE", "local")
    FILE_STORAGE_DIR = _env("FILE_STORAGE_DIR", str(INSTANCE_DIR / "files"))
    S3_BUCKET = _env("S3_BUCKET", "")
    S3_PREFIX = _env("S3_PREFIX", "")  # e.g. `invoiceflow/`: objects are PREFIX + ab/abcdef...
    S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL", "")  # empty: AWS; else e.g. http://minio:9000
    S3_REGION = _env("S3_REGION", "")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY")
    # An unreachable bucket answers 503 after these (per attempt; attempts include the first).
    S3_CONNECT_TIMEOUT_SECONDS = float(_env("S3_CONNECT_TIMEOUT_SECONDS", "5"))
    S3_READ_TIMEOUT_SECONDS = float(_env("S3_READ_TIMEOUT_SECONDS", "60"))
    S3_MAX_ATTEMPTS = _env_int("S3_MAX_ATTEMPTS", 3)
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
    # The invoice dossier PDF's font: a folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf
    # (Debian's fonts-dejavu-core), which write Cyrillic as well as Latin.
    DOSSIER_FONT_DIR = _env("DOSSIER_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
    # The paying company, as its bank knows it: written into every payment order exported for
    # payment (1C Client-Bank format) and used to tell our payments in the bank's statement.
    COMPANY_NAME = _env("COMPANY_NAME", "")
    COMPANY_INN = _env("COMPANY_INN", "")
    COMPANY_KPP = _env("COMPANY_KPP", "")
    COMPANY_ACCOUNT = _env("COMPANY_ACCOUNT", "")  # the settlement account payments leave
    COMPANY_BIK = _env("COMPANY_BIK", "")
    COMPANY_BANK = _env("COMPANY_BANK", "")
    COMPANY_BANK_CITY = _env("COMPANY_BANK_CITY", "")
    COMPANY_CORR_ACCOUNT = _env("COMPANY_CORR_ACCOUNT", "")
    # A bank statement imported for matching is at most this large.
    BANK_STATEMENT_MAX_BYTES = _env_int("BANK_STATEMENT_MAX_BYTES", 10 * 1024 * 1024)

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
    # After a pass that found work but less than a full batch (the queue is empty for now),
    # the worker waits this long before the next: a trickle of mail is sent in small batches,
    # not one pass (timers, mail, webhooks, anchor, heartbeat) per message.
    WORKER_SETTLE_MILLISECONDS = _env_int("WORKER_SETTLE_MILLISECONDS", 200)
    RUN_WORKER_IN_PROCESS = _env_bool("RUN_WORKER_IN_PROCESS", True)
    # While the database is away the worker's passes back off, doubling up to this many seconds.
    WORKER_OUTAGE_BACKOFF_MAX_SECONDS = _env_int("WORKER_OUTAGE_BACKOFF_MAX_SECONDS", 30)
    # Mail delivery: messages a worker claims at once, and how long it holds those it has not
    # sent yet (renewed as it goes): a worker that dies delays at most a batch by one lease.
    OUTBOX_BATCH_SIZE = _env_int("OUTBOX_BATCH_SIZE", 25)
    OUTBOX_LEASE_SECONDS = _env_int("OUTBOX_LEASE_SECONDS", 30)
    # Webhooks (app/services/webhook_delivery.py): receivers in private, loopback, link-local or
    # reserved ranges are refused unless named here (host names and/or networks, comma-separated,
    # e.g. erp.internal,10.1.2.0/24); the timeout of each request; claim size and lease as mail's.
    WEBHOOK_ALLOWED_HOSTS = _env("WEBHOOK_ALLOWED_HOSTS", "")
    WEBHOOK_TIMEOUT_SECONDS = _env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
    WEBHOOK_BATCH_SIZE = _env_int("WEBHOOK_BATCH_SIZE", 10)
    WEBHOOK_LEASE_SECONDS = _env_int("WEBHOOK_LEASE_SECONDS", 30)
    # After a secret's rotation the replaced one still signs deliveries (next to the new) this long.
    WEBHOOK_SECRET_OVERLAP_HOURS = _env_int("WEBHOOK_SECRET_OVERLAP_HOURS", 24)
    # Operations (README "Deployment"). /readyz answers 503 when no worker has beaten for this long
    # (a few worker intervals: a pass that fires many timers may take a while).
    READY_WORKER_MAX_AGE_SECONDS = _env_int("READY_WORKER_MAX_AGE_SECONDS", 120)
    # /metrics answers only a scraper with this Bearer token and/or from these networks (CIDRs,
    # comma-separated, e.g. 10.0.0.0/8,127.0.0.1/32); with neither set it refuses everyone.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    METRICS_ALLOWED_NETWORKS = _env("METRICS_ALLOWED_NETWORKS", "")
    # Logs: `text` (default) or `json` (one JSON object a line, each with its request id).
    LOG_FORMAT = _env("LOG_FORMAT", "text")
    LOG_LEVEL = _env("LOG_LEVEL", "INFO")
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
    AUTH_TYPE = _sign_in_method()
    # Single sign-on (README "Single sign-on"; app/sso). Users signing in through LDAP or OpenID
    # Connect the first time are created (SSO_REGISTER_USERS); their roles come from their
    # directory groups (or the provider's groups claim) through AUTH_ROLES_MAPPING, a JSON object
    # {"group DN or name": ["Role", ...]}, and are set again at every sign-in.
    AUTH_ROLES_MAPPING = _env_json("SSO_ROLES_MAPPING", {})
    AUTH_ROLES_SYNC_AT_LOGIN = _env_bool("SSO_ROLES_SYNC_AT_LOGIN", True)
    AUTH_USER_REGISTRATION = _env_bool("SSO_REGISTER_USERS", True)  # never self-registration
    AUTH_USER_REGISTRATION_ROLE = _env("SSO_REGISTRATION_ROLE", "Public")  # Public: no rights
    # These users (comma-separated names) sign in with their password kept here, at
    # /login/local/, whatever AUTH_TYPE says: the break-glass administrator when the directory or
    # the provider is down. Nobody else may; SSO never signs in as one of them.
    AUTH_LOCAL_LOGIN_USERS = _env_list("LOCAL_LOGIN_USERS")
    # LDAP / Active Directory (AUTH_TYPE=ldap): the service account searches LDAP_SEARCH for
    # LDAP_UID_FIELD = the name typed (AD: sAMAccountName), then binds as the user found.
    AUTH_LDAP_SERVER = _env("LDAP_SERVER", "")  # ldap://host:389 or ldaps://host:636
    AUTH_LDAP_USE_TLS = _env_bool("LDAP_USE_TLS", False)  # StartTLS on ldap://
    AUTH_LDAP_TLS_CACERTFILE = _env("LDAP_TLS_CACERTFILE", "")  # the CA (PEM); empty: system's
    # Refuse a directory whose certificate is not valid for its name under that CA. Off only
    # for a lab: the passwords would go to whoever answers.
    AUTH_LDAP_TLS_DEMAND = _env_bool("LDAP_TLS_DEMAND", True)
    AUTH_LDAP_BIND_USER = _env("LDAP_BIND_USER", "")
    AUTH_LDAP_BIND_PASSWORD = _env("LDAP_BIND_PASSWORD", "")
    AUTH_LDAP_SEARCH = _env("LDAP_SEARCH", "")  # e.g. ou=people,dc=example,dc=org
    AUTH_LDAP_SEARCH_FILTER = _env("LDAP_SEARCH_FILTER", "")  # e.g. (objectClass=person)
    AUTH_LDAP_UID_FIELD = _env("LDAP_UID_FIELD", "uid")
    AUTH_LDAP_GROUP_FIELD = _env("LDAP_GROUP_FIELD", "memberOf")
    AUTH_LDAP_FIRSTNAME_FIELD = _env("LDAP_FIRSTNAME_FIELD", "givenName")
    AUTH_LDAP_LASTNAME_FIELD = _env("LDAP_LASTNAME_FIELD", "sn")
    AUTH_LDAP_EMAIL_FIELD = _env("LDAP_EMAIL_FIELD", "mail")
    # OpenID Connect (AUTH_TYPE=oidc): Keycloak, Azure AD, Google... from the provider's
    # discovery document. The user name is OIDC_USERNAME_CLAIM (Google: email), the groups
    # OIDC_GROUPS_CLAIM (Azure AD app roles: roles).
    OIDC_PROVIDER_NAME = _env("OIDC_PROVIDER_NAME", "oidc")  # in /login/<name> and the callback
    OIDC_PROVIDER_LABEL = _env("OIDC_PROVIDER_LABEL", "")  # the button; empty: "company account"
    OIDC_METADATA_URL = _env("OIDC_METADATA_URL", "")  # .../.well-known/openid-configuration
    OIDC_CLIENT_ID = _env("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = _env("OIDC_SCOPES", "openid email profile")
    OIDC_USERNAME_CLAIM = _env("OIDC_USERNAME_CLAIM", "preferred_username")
    OIDC_GROUPS_CLAIM = _env("OIDC_GROUPS_CLAIM", "groups")
    # Signing out here also signs out at the provider (its end_session_endpoint, when its
    # discovery document has one), which then sends the browser back to /login/.
    OIDC_PROVIDER_LOGOUT = _env_bool("OIDC_PROVIDER_LOGOUT", True)
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
    # Approve, Return and Reject links in task e-mails work for this long after the mail is sent
    # (once each; tampered or wrong links count as failed logins of the client address).
    EMAIL_ACTION_LINK_HOURS = _env_int("EMAIL_ACTION_LINK_HOURS", 72)
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
    # the re-rendered form, in this folder (empty: `held` inside the file storage, folder or
    # bucket, which every web machine sees).
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
        if cls.FILE_STORAGE not in ("local", "s3") or (
            cls.FILE_STORAGE == "s3" and not cls.S3_BUCKET
        ):
            raise RuntimeError("FILE_STORAGE must be `local`, or `s3` with S3_BUCKET set.")


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
