"""The database a config names, opened for any command: schema upgraded, policies and subscriptions synced."""

from __future__ import annotations

from datetime import UTC, datetime

from jobs.config import Settings
from storage.db import Database, open_database
from storage.repository import PolicySpec, sync_policies
from storage.subscriptions import sync_config_subscriptions


def open_configured_database(settings: Settings) -> Database:
    """Open the database (upgrading its schema when behind) and make its policies and config subscriptions
    match the config, so that every command, reading or writing, sees the policies the config lists."""
    database = open_database(settings.database_url)
    with database.transaction() as session:
        sync_policies(session, [PolicySpec(name=p.name, url=p.url, site=p.site) for p in settings.policies])
        sync_config_subscriptions(session, list(settings.subscriptions), now=datetime.now(UTC))
    return database
