"""The running application: settings, database and archive client, opened once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass

from jobs.archive_state import machine_name, restore_archive_block
from jobs.config import Settings
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
    archive = archive or WaybackArchive(settings.archive)
    restore_archive_block(database, archive)
    return App(settings=settings, database=database, archive=archive, owner=f"{machine_name()}:{os.getpid()}")
