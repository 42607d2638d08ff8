"""Reads for the CLI and the jobs. Nothing here writes."""

from __future__ import annotations

import zlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased, defer, load_only, selectinload

from monitor.models import VersionClass
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
)


@dataclass(frozen=True)
class StoredSnapshot:
    id: int
    content: bytes
    content_type: str | None


@dataclass(frozen=True)
class PolicySummary:
    policy: PolicyRecord
    versions: int
    captures: int
    latest_version_at: datetime | None
    latest_capture: str | None = None  # the newest capture's 14-digit timestamp, whatever its outcome


def policy_by_name(session: Session, name: str) -> PolicyRecord | None:
    return session.scalar(select(PolicyRecord).where(PolicyRecord.name == name))


def policy_names(session: Session) -> list[str]:
    return list(session.scalars(select(PolicyRecord.name).order_by(PolicyRecord.name)))


def policy_summaries(session: Session) -> list[PolicySummary]:
    versions = (
        select(
            VersionRecord.policy_id,
            func.count().label("n"),
            func.max(VersionRecord.captured_at).label("latest"),
        )
        .group_by(VersionRecord.policy_id)
        .subquery()
    )
    captures = (
        select(CaptureRecord.policy_id, func.count().label("n"), func.max(CaptureRecord.timestamp).label("latest"))
        .group_by(CaptureRecord.policy_id)
        .subquery()
    )
    rows = session.execute(
        select(PolicyRecord, versions.c.n, captures.c.n, versions.c.latest, captures.c.latest)
        .outerjoin(versions, versions.c.policy_id == PolicyRecord.id)
        .outerjoin(captures, captures.c.policy_id == PolicyRecord.id)
        .where(PolicyRecord.active.is_(True))
        .order_by(PolicyRecord.name)
    )
    return [
        PolicySummary(policy, n_versions or 0, n_captures or 0, latest, latest_capture)
        for policy, n_versions, n_captures, latest, latest_capture in rows
    ]


def capture_is_recorded(session: Session, policy_id: int, timestamp: str, digest: str) -> bool:
    found = session.scalar(
        select(CaptureRecord.id).where(
            CaptureRecord.policy_id == policy_id,
            CaptureRecord.timestamp == timestamp,
            CaptureRecord.digest == digest,
        )
    )
    return found is not None


def snapshot_for_digest(session: Session, digest: str) -> StoredSnapshot | None:
    """Bytes we already hold for a CDX digest, from any policy's capture: no need to fetch them again.

    Only captures whose digest is that of the stored page count: a redirect row's digest is its own (often
    empty) body's, while the snapshot linked to it is its target's page.
    """
    record = session.scalar(
        select(SnapshotRecord)
        .join(CaptureRecord, CaptureRecord.snapshot_id == SnapshotRecord.id)
        .where(CaptureRecord.digest == digest)
        .where(CaptureRecord.status.is_(None) | CaptureRecord.status.between(200, 299))
        .limit(1)
    )
    if record is None:
        return None
    return StoredSnapshot(id=record.id, content=zlib.decompress(record.content), content_type=record.content_type)


def _current(policy_id: int) -> Select[VersionRecord]:
    """The policy's versions that no re-extraction has superseded."""
    return select(VersionRecord).where(VersionRecord.policy_id == policy_id, VersionRecord.superseded_at.is_(None))


def snapshot(session: Session, snapshot_id: int) -> StoredSnapshot:
    record = session.get_one(SnapshotRecord, snapshot_id)
    return StoredSnapshot(id=record.id, content=zlib.decompress(record.content), content_type=record.content_type)


def captures_with_snapshots(session: Session, policy_id: int) -> list[CaptureRecord]:
    """The captures whose bytes we hold, oldest first: what a re-extraction rebuilds versions from."""
    return list(
        session.scalars(
            select(CaptureRecord)
            .where(CaptureRecord.policy_id == policy_id, CaptureRecord.snapshot_id.is_not(None))
            .order_by(CaptureRecord.timestamp, CaptureRecord.id)
        )
    )


def latest_version(session: Session, policy_id: int) -> VersionRecord | None:
    return session.scalar(
        _current(policy_id).order_by(VersionRecord.captured_at.desc(), VersionRecord.id.desc()).limit(1)
    )


def earlier_version_with_text(session: Session, policy_id: int, text_hash: str) -> VersionRecord | None:
    """The most recent version with this normalized text, if the policy ever had it."""
    return session.scalar(
        _current(policy_id)
        .where(VersionRecord.text_hash == text_hash)
        .order_by(VersionRecord.captured_at.desc(), VersionRecord.id.desc())
        .limit(1)
    )


def version_at(session: Session, policy_id: int, at: datetime) -> VersionRecord | None:
    """The version in force at ``at``: the newest one captured at or before it."""
    return session.scalar(
        _current(policy_id)
        .where(VersionRecord.captured_at <= at)
        .order_by(VersionRecord.captured_at.desc(), VersionRecord.id.desc())
        .limit(1)
    )


def version_numbered(session: Session, policy_id: int, number: int) -> VersionRecord | None:
    """The current version the policy numbers ``number`` (v1, v2, …)."""
    return session.scalar(_current(policy_id).where(VersionRecord.number == number))


def versions(session: Session, policy_id: int) -> list[VersionRecord]:
    return list(session.scalars(_current(policy_id).order_by(VersionRecord.captured_at, VersionRecord.id)))


def captures(session: Session, policy_id: int) -> list[CaptureRecord]:
    return list(
        session.scalars(
            select(CaptureRecord)
            .where(CaptureRecord.policy_id == policy_id)
            .order_by(CaptureRecord.timestamp, CaptureRecord.id)
        )
    )


def changes_by_new_version(session: Session, policy_id: int) -> dict[int, ChangeRecord]:
    rows = session.scalars(
        select(ChangeRecord)
        .join(VersionRecord, VersionRecord.id == ChangeRecord.new_version_id)
        .where(ChangeRecord.policy_id == policy_id, VersionRecord.superseded_at.is_(None))
        .options(selectinload(ChangeRecord.sections))
    )
    return {change.new_version_id: change for change in rows}


def policies_with_reverts(session: Session, *, at_least: int) -> set[int]:
    """The policies with at least this many changes back to an earlier text (among their current versions)."""
    rows = session.scalars(
        select(ChangeRecord.policy_id)
        .join(VersionRecord, VersionRecord.id == ChangeRecord.new_version_id)
        .where(ChangeRecord.version_class == VersionClass.REVERTED.value, VersionRecord.superseded_at.is_(None))
        .group_by(ChangeRecord.policy_id)
        .having(func.count() >= at_least)
    )
    return set(rows)


def latest_changes(
    session: Session, policy_id: int, *, limit: int, before: datetime | None = None
) -> list[tuple[ChangeRecord, datetime]]:
    """The policy's latest changes (captured ``before`` a time), newest first, each with its new version's capture
    time and its sections."""
    query = (
        select(ChangeRecord, VersionRecord.captured_at)
        .join(VersionRecord, VersionRecord.id == ChangeRecord.new_version_id)
        .where(ChangeRecord.policy_id == policy_id, VersionRecord.superseded_at.is_(None))
    )
    if before is not None:
        query = query.where(VersionRecord.captured_at < before)
    rows = session.execute(
        query.order_by(VersionRecord.captured_at.desc(), VersionRecord.id.desc())
        .limit(limit)
        .options(selectinload(ChangeRecord.sections))
    )
    return [(change, captured_at) for change, captured_at in rows]


def change_between(session: Session, old_version_id: int, new_version_id: int) -> ChangeRecord | None:
    """The stored change from one version to the next, if these two are consecutive."""
    return session.scalar(
        select(ChangeRecord).where(
            ChangeRecord.old_version_id == old_version_id, ChangeRecord.new_version_id == new_version_id
        )
    )


def changes_since(session: Session, since: datetime | None) -> list[tuple[ChangeRecord, str]]:
    """Every change whose new version was captured at or after ``since``, oldest first, with its policy name."""
    query = (
        select(ChangeRecord, PolicyRecord.name)
        .join(PolicyRecord, PolicyRecord.id == ChangeRecord.policy_id)
        .join(VersionRecord, VersionRecord.id == ChangeRecord.new_version_id)
        .options(
            selectinload(ChangeRecord.sections),
            selectinload(ChangeRecord.old_version),
            selectinload(ChangeRecord.new_version),
        )
        .where(VersionRecord.superseded_at.is_(None))
        .order_by(VersionRecord.captured_at, ChangeRecord.id)
    )
    if since is not None:
        query = query.where(VersionRecord.captured_at >= since)
    return [(change, name) for change, name in session.execute(query)]


def latest_change_id(session: Session, policy_id: int) -> int | None:
    """The policy's most recent change (by the capture date of its new version)."""
    return session.scalar(
        select(ChangeRecord.id)
        .join(VersionRecord, VersionRecord.id == ChangeRecord.new_version_id)
        .where(ChangeRecord.policy_id == policy_id, VersionRecord.superseded_at.is_(None))
        .order_by(VersionRecord.captured_at.desc(), ChangeRecord.id.desc())
        .limit(1)
    )


def change_detail(session: Session, change_id: int) -> tuple[ChangeRecord, PolicyRecord] | None:
    row = session.execute(
        select(ChangeRecord, PolicyRecord)
        .join(PolicyRecord, PolicyRecord.id == ChangeRecord.policy_id)
        .where(ChangeRecord.id == change_id)
        .options(
            selectinload(ChangeRecord.sections),
            selectinload(ChangeRecord.old_version),
            selectinload(ChangeRecord.new_version),
        )
    ).first()
    return None if row is None else (row[0], row[1])


def archive_blocks(session: Session, *, now: datetime) -> list[ArchiveBlockRecord]:
    """Firewall cool-downs still running, on any machine sharing this database."""
    query = select(ArchiveBlockRecord).where(ArchiveBlockRecord.blocked_until > now)
    return list(session.scalars(query.order_by(ArchiveBlockRecord.host, ArchiveBlockRecord.machine)))


def alert_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(AlertRecord.status, func.count()).group_by(AlertRecord.status))
    return {status: count for status, count in rows}


def alerts(session: Session, *, status: str | None = None) -> list[AlertRecord]:
    query = select(AlertRecord).order_by(AlertRecord.id)
    if status is not None:
        query = query.where(AlertRecord.status == status)
    return list(session.scalars(query))


def version_sections(session: Session, version_id: int) -> list[VersionSectionRecord]:
    return list(
        session.scalars(
            select(VersionSectionRecord)
            .where(VersionSectionRecord.version_id == version_id)
            .order_by(VersionSectionRecord.position)
        )
    )


def section_by_path(session: Session, policy_id: int, path: str) -> int | None:
    """The section that had this path most recently (case and spacing ignored), if any version had it."""
    wanted = " ".join(path.split()).casefold()
    # Versions share most paths: compare each distinct one once, then fetch only the rows holding a match.
    current = (
        select(VersionSectionRecord.section_id, VersionSectionRecord.path)
        .join(VersionRecord, VersionRecord.id == VersionSectionRecord.version_id)
        .where(VersionRecord.policy_id == policy_id, VersionRecord.superseded_at.is_(None))
    )
    paths = session.scalars(current.with_only_columns(VersionSectionRecord.path).distinct())
    matching = [found for found in paths if " ".join(found.split()).casefold() == wanted]
    if not matching:
        return None
    return session.scalar(
        current.with_only_columns(VersionSectionRecord.section_id)
        .where(VersionSectionRecord.path.in_(matching))
        .order_by(VersionRecord.captured_at.desc(), VersionSectionRecord.position)
        .limit(1)
    )


@dataclass(frozen=True)
class SectionPath:
    """One path a section had, and the captures of the first and the last current version where it had it."""

    section_id: int
    path: str
    first_seen: datetime
    last_seen: datetime


def section_paths(session: Session, policy_id: int) -> list[SectionPath]:
    """Every path each section of the policy had in its current versions."""
    captured = VersionRecord.captured_at
    rows = session.execute(
        select(VersionSectionRecord.section_id, VersionSectionRecord.path, func.min(captured), func.max(captured))
        .join(VersionRecord, VersionRecord.id == VersionSectionRecord.version_id)
        .where(VersionRecord.policy_id == policy_id, VersionRecord.superseded_at.is_(None))
        .group_by(VersionSectionRecord.section_id, VersionSectionRecord.path)
    )
    return [SectionPath(*row) for row in rows]


def section_exists(session: Session, policy_id: int, section_id: int) -> bool:
    found = session.get(SectionRecord, section_id)
    return found is not None and found.policy_id == policy_id


@dataclass(frozen=True)
class SectionEvent:
    """One change of one section: what happened to it, and in which change of the policy."""

    change: ChangeRecord
    section: SectionChangeRecord
    old: VersionRecord  # its texts not loaded
    new: VersionRecord

    @property
    def captured_at(self) -> datetime:
        return self.new.captured_at


def section_history(session: Session, section_ids: Collection[int]) -> list[SectionEvent]:
    """The changes of these sections (one section, or the copies of one), oldest first. Their texts before and
    after each change, and the versions' texts, load only when asked for: the history shows the word-level diff,
    and texts make up most of the rows' bytes."""
    old, new = aliased(VersionRecord), aliased(VersionRecord)
    named = ("id", "number", "timestamp", "captured_at")
    rows = session.execute(
        select(SectionChangeRecord, ChangeRecord, old, new)
        .options(defer(SectionChangeRecord.old_text), defer(SectionChangeRecord.new_text))
        .options(load_only(*(getattr(old, c) for c in named)), load_only(*(getattr(new, c) for c in named)))
        .join(ChangeRecord, ChangeRecord.id == SectionChangeRecord.change_id)
        .join(old, old.id == ChangeRecord.old_version_id)
        .join(new, new.id == ChangeRecord.new_version_id)
        .where(SectionChangeRecord.section_id.in_(section_ids), new.superseded_at.is_(None))
        .order_by(new.captured_at, SectionChangeRecord.position)
    )
    return [SectionEvent(change=c, section=s, old=o, new=n) for s, c, o, n in rows]
