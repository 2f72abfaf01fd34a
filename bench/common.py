"""What the benchmarks share: a fresh database, the app on it, logins, SQL counting, reporting.

Not a test: pytest never collects it (the file is not named test_*).
"""

from __future__ import annotations

import logging
import math
import os
import statistics
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from tests.databases import temporary_database  # noqa: E402

PASSWORD = "bench-pass"
# The diagrams of this checkout: seeded as version 1 whatever PROCESSES_DIR says.
PROCESSES_DIR = ROOT / "processes"
BATCH = 5_000
PG_EXAMPLE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


# --------------------------------------------------------------------------- database, app


@contextmanager
def fresh_database(base_url: str | None, tmp: Path, name: str = "bench"):
    """Yield the URL of an empty database; drop it afterwards (PostgreSQL)."""
    with temporary_database(
        tmp,
        f"invoiceflow_{name}" if base_url and not base_url.startswith("sqlite") else name,
        base_url or "",
    ) as url:
        yield url


def quiet() -> None:
    logging.disable(logging.WARNING)  # FAB's and the app's info/warning chatter
    # TestConfig's short SECRET_KEY also signs the JWTs; irrelevant to a benchmark.
    warnings.filterwarnings("ignore", message=".*HMAC key.*")


@contextmanager
def bench_app(base_url: str | None, name: str = "bench"):
    """An app ("test" config) on a fresh database, with a temporary file store."""
    with tempfile.TemporaryDirectory(prefix="invoiceflow_bench_") as tmp_dir:
        tmp = Path(tmp_dir)
        with fresh_database(base_url, tmp, name) as url:
            files = tmp / "files"
            files.mkdir()
            app = create_app("test", SQLALCHEMY_DATABASE_URI=url, FILE_STORAGE_DIR=str(files))
            try:
                yield app, url
            finally:
                with app.app_context():
                    db.session.remove()
                    with suppress(Exception):
                        db.engine.dispose()


def shown_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def seed_users(app, wanted: dict[str, str | list[str]]) -> dict[str, int]:
    """{username: role name or names} -> {username: id}, all with PASSWORD."""
    sm = app.appbuilder.sm
    ids = {}
    for username, role_names in wanted.items():
        names = [role_names] if isinstance(role_names, str) else role_names
        user = sm.add_user(
            username,
            username.title(),
            "Bench",
            f"{username}@example.com",
            [sm.find_role(name) for name in names],
            password=PASSWORD,
        )
        if not user:
            raise RuntimeError(f"could not create user {username}")
        ids[username] = user.id
    return ids


def move_sequences(tables: tuple[str, ...]) -> None:
    """PostgreSQL: after inserting explicit ids, move the sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:  # constant table names
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        db.session.execute(text(f"SELECT setval({sequence}, max(id)) FROM {table}"))  # noqa: S608


def analyze() -> None:
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def vacuum_analyze() -> None:
    """PostgreSQL: VACUUM ANALYZE, as autovacuum does soon after a bulk load; it sets the
    visibility map, without which no index-only scan skips the table. ANALYZE elsewhere."""
    if db.engine.dialect.name != "postgresql":
        analyze()
        return
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


# --------------------------------------------------------------------------- logins


def login_page_client(app, username: str, probe: str = "/invoices/list/"):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    answer = client.get(probe)
    if response.status_code not in (200, 302) or answer.status_code != 200:
        raise RuntimeError(
            f"login as {username} failed ({response.status_code}, {probe} {answer.status_code})"
        )
    return client, {}


def login_api_client(app, username: str):
    client = app.test_client()
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": PASSWORD, "provider": "db"},
    )
    if response.status_code != 200:
        raise RuntimeError(f"API login as {username} failed: {response.status_code}")
    return client, {"Authorization": f"Bearer {response.json['access_token']}"}


# --------------------------------------------------------------------------- measuring


@dataclass
class Statement:
    sql: str
    params: object
    ms: float = 0.0


@dataclass
class SqlRecorder:
    """Collects the statements sent while `active`."""

    active: bool = False
    statements: list[Statement] = field(default_factory=list)
    _started: float = 0.0

    def attach(self, engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.statements.append(Statement(statement, parameters))
            self._started = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.active and self.statements:
            self.statements[-1].ms = (time.perf_counter() - self._started) * 1000

    @contextmanager
    def recording(self):
        self.statements = []
        self.active = True
        try:
            yield self.statements
        finally:
            self.active = False


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def span(values: list[int]) -> str:
    if not values:
        return "-"
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


# --------------------------------------------------------------------------- reporting


def abbreviate(sql: str, width: int) -> str:
    one_line = " ".join(sql.split())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"


def load_average() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def print_statements(statements: list[Statement], width: int, medians: list[float] | None = None):
    """One line per statement (its median ms when given), then its parameters."""
    seen: dict[str, int] = {}
    for s in statements:
        key = " ".join(s.sql.split())
        seen[key] = seen.get(key, 0) + 1
    for i, statement in enumerate(statements, 1):
        repeats = seen[" ".join(statement.sql.split())]
        mark = f" [same SQL x{repeats}]" if repeats > 1 else ""
        ms = medians[i - 1] if medians and i - 1 < len(medians) else statement.ms
        print(f"  {i:>3}. {ms:7.2f} ms{mark} {abbreviate(statement.sql, width)}")
        if statement.params:
            print(f"       params: {abbreviate(repr(statement.params), width)}")


def explain_statements(app, chosen: list[tuple[float, Statement]], label: str) -> None:
    """EXPLAIN each (median ms, statement) of a request (ANALYZE on PostgreSQL)."""
    with app.app_context():
        dialect = db.engine.dialect.name
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
        with db.engine.connect() as conn:
            for ms, statement in chosen:
                print(f"\nEXPLAIN (median {ms:.1f} ms) {label}:")
                print(f"  {abbreviate(statement.sql, 400)}")
                if not statement.sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    print("    (not a SELECT: not explained)")
                    continue
                try:
                    rows = conn.exec_driver_sql(prefix + statement.sql, statement.params or ())
                except Exception as exc:  # e.g. the statement that made the request fail
                    conn.rollback()
                    print(f"    cannot EXPLAIN: {str(exc).splitlines()[0]}")
                    continue
                for row in rows:
                    line = row[-1] if dialect == "sqlite" else row[0]
                    indent = f"{row[1]:>3}" if dialect == "sqlite" else ""
                    print(f"    {indent} {line}")
                conn.rollback()
