"""Captures processed and the raw bytes fetched for them; recording a capture moves its policy's cursor."""

from __future__ import annotations

import hashlib
import zlib

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.models import Capture
from storage.schema import CaptureRecord, PolicyRecord, SnapshotRecord


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
    capture: Capture,
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
        timestamp=capture.timestamp,
        original_url=capture.original_url,
        status=capture.status,
        mimetype=capture.mimetype,
        digest=capture.digest,
        served_timestamp=served_timestamp if served_timestamp != capture.timestamp else None,
        outcome=outcome,
        reason=reason,
        snapshot_id=snapshot_id,
        version_id=version_id,
    )
    session.add(record)
    session.execute(
        update(PolicyRecord)
        .where(PolicyRecord.id == policy_id)
        .where((PolicyRecord.cursor.is_(None)) | (PolicyRecord.cursor < capture.timestamp))
        .values(cursor=capture.timestamp)
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
