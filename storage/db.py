"""Engines and sessions; the schema is brought to ``SCHEMA_HEAD`` when a database is opened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# The newest migration in storage/migrations/versions (a test checks): a database at this revision is opened
# without loading Alembic.
SCHEMA_HEAD = "0009"


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would otherwise ask for psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets history queries read while the daemon writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class NewerSchema(Exception):
    """The database was migrated by a newer program than this one (its revision is past ``SCHEMA_HEAD``)."""

    def __init__(self, revision: str) -> None:
        super().__init__(f"the database schema is at revision {revision}, newer than this program's {SCHEMA_HEAD}")
        self.revision = revision


def schema_revision(engine: Engine) -> str | None:
    """The migration a database is at, or None for a database never migrated."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


class Database:
    """An engine plus a session factory; ``transaction()`` is the unit of every write."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, upgrade: bool = True) -> Database:
    engine = make_engine(url)
    try:
        if upgrade:
            _bring_to_head(engine)
    except BaseException:
        engine.dispose()
        raise
    return Database(engine)


def _bring_to_head(engine: Engine) -> None:
    revision = schema_revision(engine)
    if revision is not None and revision > SCHEMA_HEAD:  # revisions are zero-padded sequence numbers
        raise NewerSchema(revision)
    if revision != SCHEMA_HEAD:
        from storage.migrate import upgrade_schema  # see storage.migrate: only when the schema is behind

        upgrade_schema(engine)
