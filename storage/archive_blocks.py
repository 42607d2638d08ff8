"""The archive's firewall cool-downs, per host and machine, kept across restarts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.schema import ArchiveBlockRecord


def record_archive_block(
    session: Session,
    *,
    host: str,
    machine: str,
    until: datetime | None,
    repeats: int = 0,
    now: datetime,
    forget_before: datetime,
) -> None:
    """Keep the latest firewall cool-down of ``host`` for this machine (``until``, None for none) and how many
    blocks came right before it. A block already recorded that ends later is kept (another process on the
    machine saw it); one that ended before ``forget_before`` is forgotten."""
    record = session.get(ArchiveBlockRecord, (host, machine))
    if record is not None and record.blocked_until < forget_before:
        session.delete(record)
        session.flush()
        record = None
    if until is None or (record is not None and record.blocked_until >= until):
        return
    if record is None:
        record = ArchiveBlockRecord(host=host, machine=machine)
        session.add(record)
    record.blocked_until, record.repeats, record.recorded_at = until, repeats, now
