"""The archive's firewall cool-down, kept in the database so a restarted daemon does not knock again, and
remembered for a day after it ends so the next block still lasts twice as long.

A block is per client IP (docs/wayback.md#firewall-block), so it is recorded per machine; every daemon on the
machine that shares the database honours it.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

from monitor.wayback.client import WaybackArchive
from monitor.wayback.firewall_breaker import BLOCK_MEMORY, BlockMemory
from storage.archive_blocks import record_archive_block
from storage.db import Database
from storage.schema import ArchiveBlockRecord


def machine_name() -> str:
    return socket.gethostname()


def restore_archive_block(database: Database, archive: WaybackArchive) -> None:
    """Resume the block an earlier process on this machine recorded: running, or ended but still remembered."""
    with database.reader() as session:
        record = session.get(ArchiveBlockRecord, (_host(archive), machine_name()))
        memory = BlockMemory(record.blocked_until, record.repeats) if record is not None else None
    if memory is not None:
        archive.restore_block(memory)


def save_archive_block(database: Database, archive: WaybackArchive) -> None:
    """Record this process's latest block, unless the database holds a later one; forget one no longer
    remembered."""
    last, now = archive.last_block(), datetime.now(UTC)
    with database.transaction() as session:
        record_archive_block(
            session,
            host=_host(archive),
            machine=machine_name(),
            until=last.until if last else None,
            repeats=last.repeats if last else 0,
            now=now,
            forget_before=now - BLOCK_MEMORY,
        )


def _host(archive: WaybackArchive) -> str:
    return urlsplit(archive.settings.base_url).netloc
