"""The database a config names, opened for any command: schema upgraded, policies and subscriptions synced."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from jobs.config import Settings
from monitor.errors import DatabaseUnavailable
from storage.db import Database, NewerSchema, open_database
from storage.policies import sync_policies
from storage.subscriptions import sync_config_subscriptions


def open_configured_database(settings: Settings) -> Database:
    """Open the database (upgrading its schema when behind) and make its policies and config subscriptions
    match the config, so that every command, reading or writing, sees the policies the config lists."""
    try:
        database = open_database(settings.database_url)
    except NewerSchema as error:
        raise DatabaseUnavailable(f"{error}: run the newer policy-monitor, or restore an older database") from None
    # ValueError: a port that is no number; ImportError: a driver not installed; OSError: a folder not makeable
    except (ArgumentError, DBAPIError, ValueError, ImportError, OSError) as error:
        shown = _shown(settings.database_url)
        raise DatabaseUnavailable(f"cannot open the database {shown}: {_reason(error)}") from None
    with database.transaction() as session:
        sync_policies(session, settings.policies)
        sync_config_subscriptions(session, list(settings.subscriptions), now=datetime.now(UTC))
    return database


def _shown(url: str) -> str:
    """The URL without its password (it may hold one though secrets belong in the environment)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # unparseable: drop whatever stands before the host
        head, at, host = url.rpartition("@")
        return f"{head.split('//')[0]}//***@{host}" if at else url


def _reason(error: Exception) -> str:
    """The driver's own first line, without SQLAlchemy's wrapping and links."""
    cause = error.orig if isinstance(error, DBAPIError) else error
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
