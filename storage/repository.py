"""Writes. Each function runs inside the caller's transaction (``Database.transaction()``) and keeps one invariant."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Select, insert, select, update
from sqlalchemy.orm import Session

from monitor.models import Policy
from storage.schema import (
    AlertRecord,
    ArchiveBlockRecord,
    CaptureRecord,
    ChangeRecord,
    PolicyRecord,
    SectionChangeRecord,
    SectionRecord,
    SnapshotRecord,
    VersionRecord,
    VersionSectionRecord,
    utcnow,
)


@dataclass(frozen=True)
class CaptureRow:
    timestamp: str
    original_url: str
    status: int | None
    mimetype: str
    digest: str


@dataclass(frozen=True)
class NewVersion:
    timestamp: str
    captured_at: datetime
    original_url: str
    title: str
    markdown: str
    text_hash: str
    extractor_version: str


@dataclass(frozen=True)
class NewSectionChange:
    kind: str
    old_path: str | None
    new_path: str | None
    old_text: str
    new_text: str
    words: Sequence[tuple[str, str]]
    section_id: int | None = None


@dataclass(frozen=True)
class VersionSection:
    """One section of a version, in order; ``section_id`` is its identity if an earlier version had it."""

    path: str
    level: int
    section_id: int | None = None


@dataclass(frozen=True)
class NewChange:
    version_class: str
    sections: Sequence[NewSectionChange]
    reverted_to_version_id: int | None
    alertable: bool


@dataclass(frozen=True)
class NewAlert:
    recipient: str
    channel: str
    message_id: str
    subscription_id: int | None = None
    held: bool = False  # for a digest subscription: waits for its digest instead of being sent


def sync_policies(session: Session, specs: Iterable[Policy]) -> None:
    """Make the policies table match the config: add new names, update URLs, deactivate dropped ones.

    A policy whose URL changes keeps its versions but restarts its cursor: the new URL has its own captures.
    """
    wanted = {spec.name: spec for spec in specs}
    existing = {record.name: record for record in session.scalars(select(PolicyRecord))}
    for name, spec in wanted.items():
        record = existing.get(name)
        if record is None:
            session.add(PolicyRecord(name=spec.name, url=spec.url, site=spec.site, active=True))
            continue
        if record.url != spec.url:
            record.url, record.cursor, record.next_poll_at = spec.url, None, None
        record.site, record.active = spec.site, True
    for name, record in existing.items():
        if name not in wanted:
            record.active = False


def claim_due_policies(
    session: Session, *, owner: str, now: datetime, limit: int, lease: timedelta, names: Sequence[str] = ()
) -> list[PolicyRecord]:
    """Claim up to ``limit`` due policies for ``owner``; rows another daemon holds are skipped, not waited for."""
    due = (
        select(PolicyRecord.id)
        .where(PolicyRecord.active.is_(True))
        .where((PolicyRecord.claim_expires_at.is_(None)) | (PolicyRecord.claim_expires_at < now))
        .order_by(PolicyRecord.next_poll_at.is_not(None), PolicyRecord.next_poll_at, PolicyRecord.id)
        .limit(limit)
    )
    if names:
        due = due.where(PolicyRecord.name.in_(names))
    else:
        due = due.where((PolicyRecord.next_poll_at.is_(None)) | (PolicyRecord.next_poll_at <= now))
    claimed = _claim(session, PolicyRecord, due, owner=owner, until=now + lease)
    return sorted(claimed, key=lambda p: (p.next_poll_at is not None, p.next_poll_at or now, p.id))


_Claimable = TypeVar("_Claimable", PolicyRecord, AlertRecord)


def _claim(
    session: Session, table: type[_Claimable], due: Select[int], *, owner: str, until: datetime
) -> list[_Claimable]:
    """Claim the rows whose ids ``due`` selects, in one UPDATE: atomic on SQLite, which has no row locks (two
    processes, or threads, never claim one row), and skipping rows locked by another claimer on PostgreSQL."""
    statement = (
        update(table)
        .where(table.id.in_(due.with_for_update(skip_locked=True).scalar_subquery()))
        .values(claimed_by=owner, claim_expires_at=until)
        .returning(table)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return list(session.scalars(statement))


def finish_poll(session: Session, policy_id: int, *, now: datetime, next_poll_at: datetime, error: str | None) -> None:
    """Release the claim and schedule the next poll."""
    session.execute(
        update(PolicyRecord)
        .where(PolicyRecord.id == policy_id)
        .values(
            claimed_by=None,
            claim_expires_at=None,
            last_polled_at=now,
            next_poll_at=next_poll_at,
            last_error=error,
        )
    )


def release_policy(session: Session, policy_id: int) -> None:
    """Give back a claim on a policy that was not polled after all: its poll times stay as they were (due)."""
    session.execute(
        update(PolicyRecord).where(PolicyRecord.id == policy_id).values(claimed_by=None, claim_expires_at=None)
    )


def mark_history_imported(session: Session, policy_id: int) -> None:
    session.execute(update(PolicyRecord).where(PolicyRecord.id == policy_id).values(history_imported=True))


def store_snapshot(session: Session, content: bytes, content_type: str | None) -> int:
    """Store raw bytes once, addressed by their SHA-256; returns the snapshot id."""
    sha256 = hashlib.sha256(content).hexdigest()
    existing = session.scalar(select(SnapshotRecord.id).where(SnapshotRecord.sha256 == sha256))
    if existing is not None:
        return existing
    record = SnapshotRecord(
        sha256=sha256, content=zlib.compress(content, 6), size=len(content), content_type=content_type
    )
    session.add(record)
    session.flush()
    return record.id


def record_capture(
    session: Session,
    policy_id: int,
    row: CaptureRow,
    *,
    outcome: str,
    reason: str | None = None,
    snapshot_id: int | None = None,
    version_id: int | None = None,
    served_timestamp: str | None = None,
) -> int:
    """Record a processed capture and move the policy's cursor up to it (never back)."""
    record = CaptureRecord(
        policy_id=policy_id,
        **asdict(row),
        served_timestamp=served_timestamp if served_timestamp != row.timestamp else None,
        outcome=outcome,
        reason=reason,
        snapshot_id=snapshot_id,
        version_id=version_id,
    )
    session.add(record)
    session.execute(
        update(PolicyRecord)
        .where(PolicyRecord.id == policy_id)
        .where((PolicyRecord.cursor.is_(None)) | (PolicyRecord.cursor < row.timestamp))
        .values(cursor=row.timestamp)
    )
    session.flush()
    return record.id


def relink_capture(
    session: Session, capture_id: int, *, outcome: str, reason: str | None, version_id: int | None
) -> None:
    """Point a capture at the version a re-extraction made of its snapshot."""
    session.execute(
        update(CaptureRecord)
        .where(CaptureRecord.id == capture_id)
        .values(outcome=outcome, reason=reason, version_id=version_id)
    )


def supersede_versions(session: Session, policy_id: int, *, now: datetime) -> None:
    """Retire a policy's current versions before a re-extraction stores their replacements."""
    session.execute(
        update(VersionRecord)
        .where(VersionRecord.policy_id == policy_id, VersionRecord.superseded_at.is_(None))
        .values(superseded_at=now)
    )


def add_version(session: Session, policy_id: int, version: NewVersion) -> int:
    record = VersionRecord(policy_id=policy_id, **asdict(version))
    session.add(record)
    session.flush()
    return record.id


def add_change(session: Session, policy_id: int, *, old_version_id: int, new_version_id: int, change: NewChange) -> int:
    """Store a change with its section changes; queue its alerts with ``queue_alerts`` in the same transaction."""
    record = ChangeRecord(
        policy_id=policy_id,
        old_version_id=old_version_id,
        new_version_id=new_version_id,
        version_class=change.version_class,
        reverted_to_version_id=change.reverted_to_version_id,
        alertable=change.alertable,
        sections=[_section_record(position, section) for position, section in enumerate(change.sections)],
    )
    session.add(record)
    session.flush()
    return record.id


def queue_alerts(session: Session, change_id: int, alerts: Sequence[NewAlert]) -> None:
    """Put one outbox row per (change, subscription, channel); the table's unique key forbids a second."""
    for alert in alerts:
        session.add(
            AlertRecord(
                kind="change",
                change_id=change_id,
                subscription_id=alert.subscription_id,
                recipient=alert.recipient,
                channel=alert.channel,
                message_id=alert.message_id,
                status="held" if alert.held else "pending",
                next_attempt_at=utcnow(),
            )
        )
    session.flush()


def store_version_sections(
    session: Session, policy_id: int, version_id: int, sections: Sequence[VersionSection]
) -> list[int]:
    """Record a version's sections, giving new ones an identity; returns the section ids in order."""
    fresh = [SectionRecord(policy_id=policy_id, first_version_id=version_id) for s in sections if s.section_id is None]
    session.add_all(fresh)
    session.flush()  # one batched INSERT for the new identities, whose ids the rows below need
    new_ids = iter(identity.id for identity in fresh)
    ids = [section.section_id if section.section_id is not None else next(new_ids) for section in sections]
    rows = [
        {"version_id": version_id, "position": position, "section_id": section_id, "path": s.path, "level": s.level}
        for position, (s, section_id) in enumerate(zip(sections, ids, strict=True))
    ]
    if rows:  # a bulk INSERT: a version of a long policy has hundreds of sections
        session.execute(insert(VersionSectionRecord), rows)
    return ids


def _section_record(position: int, section: NewSectionChange) -> SectionChangeRecord:
    return SectionChangeRecord(
        section_id=section.section_id,
        position=position,
        kind=section.kind,
        old_path=section.old_path,
        new_path=section.new_path,
        old_text=section.old_text,
        new_text=section.new_text,
        words=[list(op) for op in section.words],
    )


def claim_pending_alerts(
    session: Session, *, owner: str, now: datetime, limit: int, lease: timedelta
) -> list[AlertRecord]:
    """Claim pending alerts that are due; another sender's claimed rows are skipped."""
    due = (
        select(AlertRecord.id)
        .where(AlertRecord.status == "pending")
        .where(AlertRecord.next_attempt_at <= now)
        .where((AlertRecord.claim_expires_at.is_(None)) | (AlertRecord.claim_expires_at < now))
        .order_by(AlertRecord.next_attempt_at, AlertRecord.id)
        .limit(limit)
    )
    claimed = _claim(session, AlertRecord, due, owner=owner, until=now + lease)
    return sorted(claimed, key=lambda a: (a.next_attempt_at, a.id))


def mark_alert_sent(session: Session, alert_id: int, *, now: datetime, response: str) -> None:
    _finish_alert(session, alert_id, status="sent", sent_at=now, response=response, last_error=None)


def mark_alert_failed(session: Session, alert_id: int, *, error: str) -> None:
    _finish_alert(session, alert_id, status="failed", last_error=error)


def cancel_alert(session: Session, alert_id: int, *, reason: str) -> None:
    """Nothing to send any more (unsubscribed, or the change no longer matches): kept, with why, not sent."""
    _finish_alert(session, alert_id, status="cancelled", last_error=reason)


def reschedule_alert(session: Session, alert_id: int, *, next_attempt_at: datetime, error: str) -> None:
    _finish_alert(session, alert_id, status="pending", next_attempt_at=next_attempt_at, last_error=error)


def _finish_alert(session: Session, alert_id: int, **values: object) -> None:
    session.execute(
        update(AlertRecord)
        .where(AlertRecord.id == alert_id)
        .values(claimed_by=None, claim_expires_at=None, attempts=AlertRecord.attempts + 1, **values)
    )


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


def claim_owners(session: Session) -> set[str]:
    """Every process that holds a claim on a policy or an alert now."""
    owners: set[str] = set()
    for column in (PolicyRecord.claimed_by, AlertRecord.claimed_by):
        owners.update(o for o in session.scalars(select(column).where(column.is_not(None)).distinct()) if o)
    return owners


def release_claims(session: Session, owners: Sequence[str]) -> None:
    """Free the claims of processes known to be gone; their work is due again at once."""
    if not owners:
        return
    for table in (PolicyRecord, AlertRecord):
        session.execute(
            update(table).where(table.claimed_by.in_(owners)).values(claimed_by=None, claim_expires_at=None)
        )
