"""A database of its own for each test run: a SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def temporary_database(folder: Path, prefix: str, base_url: str | None = None) -> Iterator[str]:
    """Yield a URL. PostgreSQL when `base_url` (default TEST_DATABASE_URL) points there;
    the database `<prefix>_<random>` is dropped afterwards."""
    base = base_url if base_url is not None else os.environ.get("TEST_DATABASE_URL")
    if not base or base.startswith("sqlite"):
        yield f"sqlite:///{folder / f'{prefix}.db'}"
        return
    url = make_url(base)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    # Pinged at checkout: the drop still works after the server restarted (bench/drills.py).
    admin = create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
