"""The archive's firewall cool-down, kept in the database so a restarted daemon does not knock again.

A block is per client IP (wayback-api.md §6), so it is recorded per machine; every daemon on the machine that
shares the database honours it.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

from monitor.archive import WaybackArchive
from storage.db import Database
from storage.repository import record_archive_block
from storage.schema import ArchiveBlockRecord


def machine_name() -> str:
    return socket.gethostname()


def restore_archive_block(database: Database, archive: WaybackArchive) -> None:
    """Resume a cool-down an earlier process on this machine recorded and that has not ended yet."""
    with database.reader() as session:
        record = session.get(ArchiveBlockRecord, (_host(archive), machine_name()))
        until = record.blocked_until if record is not None else None
    if until is not None and until > datetime.now(UTC):
        archive.restore_block(until)


def save_archive_block(database: Database, archive: WaybackArchive) -> None:
    """Record the current cool-down, or clear a recorded one that is over."""
    with database.transaction() as session:
        record_archive_block(
            session, host=_host(archive), machine=machine_name(), until=archive.blocked_until(), now=datetime.now(UTC)
        )


def _host(archive: WaybackArchive) -> str:
    return urlsplit(archive.settings.base_url).netloc
