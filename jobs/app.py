"""The running application: settings, database and archive client, opened once per process."""

from __future__ import annotations

from dataclasses import dataclass

from jobs.archive_state import restore_archive_block
from jobs.claims import owner_name, release_dead_claims
from jobs.config import Settings
from jobs.database import open_configured_database
from monitor.wayback.client import WaybackArchive
from storage.db import Database


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
    """The configured database (see ``open_configured_database``), the archive client with any firewall block
    restored, and this machine's dead processes' claims released."""
    database = open_configured_database(settings)
    archive = archive or WaybackArchive(settings.archive)
    restore_archive_block(database, archive)
    release_dead_claims(database)
    return App(settings=settings, database=database, archive=archive, owner=owner_name())
