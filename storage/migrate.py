"""Schema upgrades with Alembic. Only imported when a database is behind ``SCHEMA_HEAD``: Alembic takes a
tenth of a second to import, which every quick history question would otherwise pay."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works; it only has to be the same for every daemon sharing one PostgreSQL.
_MIGRATION_LOCK_KEY = 7_214_339_001


def upgrade_schema(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration; safe when several daemons start at once."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config
