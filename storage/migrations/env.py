"""Alembic environment: run by storage.migrate.upgrade_schema with a connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from storage.schema import Base

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` on the command line, for authoring migrations
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///migrations.db")
        with engine.begin() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    # Batch mode lets later migrations alter SQLite tables (SQLite has little ALTER TABLE).
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
