"""The running application: settings, database and archive client, opened once per process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from jobs.archive_state import restore_archive_block
from jobs.claims import owner_name, release_dead_claims
from jobs.config import Settings
from jobs.subscribers import sync_subscriptions
from monitor.archive import WaybackArchive
from storage.db import Database, open_database
from storage.repository import PolicySpec, sync_policies


@dataclass
class App:
    settings: Settings
    database: Database
    archive: WaybackArchive
    owner: str  # names this process in row claims shared with other daemons

    def close(self) -> None:
        self.archive.close()
        self.database.dispose()


def open_app(settings: Settings, *, archive: WaybackArchive | None = None) -> App:
    """Open the database (upgrading its schema) and make its policies match the config."""
    database = open_database(settings.database_url)
    with database.transaction() as session:
        sync_policies(session, [PolicySpec(name=p.name, url=p.url, site=p.site) for p in settings.policies])
        sync_subscriptions(session, settings, now=datetime.now(UTC))
    archive = archive or WaybackArchive(settings.archive)
    restore_archive_block(database, archive)
    release_dead_claims(database)
    return App(settings=settings, database=database, archive=archive, owner=owner_name())
