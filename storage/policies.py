"""The tracked policies: kept in step with the config, claimed for polling, and scheduled after each poll."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.models import Policy
from storage.claims import claim_rows
from storage.schema import PolicyRecord, SubscriptionRecord, VersionRecord


def sync_policies(session: Session, specs: Iterable[Policy]) -> None:
    """Make the policies table match the config: add new names, update URLs, deactivate dropped ones.

    A policy whose URL changes keeps its versions; the new URL's captures are read from the policy's latest version
    on (its older ones would interleave with the old URL's versions), and imported as history, never alerted: they
    are the archive's past, not news.
    A policy renamed (``renamed_from``) keeps its row, so its history, and the subscriptions that named it.
    """
    wanted = {spec.name: spec for spec in specs}
    existing = {record.name: record for record in session.scalars(select(PolicyRecord))}
    for name, spec in wanted.items():
        if name not in existing and spec.renamed_from in existing:
            existing[name] = _rename(session, existing.pop(spec.renamed_from), name)
        record = existing.get(name)
        if record is None:
            session.add(PolicyRecord(name=spec.name, url=spec.url, site=spec.site, active=True))
            continue
        if record.url != spec.url:
            record.url, record.cursor, record.next_poll_at = spec.url, _latest_timestamp(session, record.id), None
            record.history_imported = False
        record.site, record.active = spec.site, True
    for name, record in existing.items():
        if name not in wanted:
            record.active = False


def _latest_timestamp(session: Session, policy_id: int) -> str | None:
    return session.scalar(
        select(VersionRecord.timestamp)
        .where(VersionRecord.policy_id == policy_id, VersionRecord.superseded_at.is_(None))
        .order_by(VersionRecord.captured_at.desc())
        .limit(1)
    )


def _rename(session: Session, record: PolicyRecord, name: str) -> PolicyRecord:
    old = record.name
    record.name = name
    for subscription in session.scalars(select(SubscriptionRecord)):
        renamed = [name if pattern.casefold() == old.casefold() else pattern for pattern in subscription.policies]
        if renamed != subscription.policies:
            subscription.policies = renamed
    return record


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
    claimed = claim_rows(session, PolicyRecord, due, owner=owner, until=now + lease)
    return sorted(claimed, key=lambda p: (p.next_poll_at is not None, p.next_poll_at or now, p.id))


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
