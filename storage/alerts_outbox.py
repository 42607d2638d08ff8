"""The outbox of change alerts: queued with their change, claimed by a sender, then marked sent, failed,
cancelled or due again. Digests are gathered in ``storage.subscriptions``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.claims import claim_rows
from storage.schema import AlertRecord, SubscriptionRecord, utcnow

# Rows whose subscriber was, or is about to be, told of their change (in an alert of its own or a digest).
_TOLD = ("held", "digested", "pending", "sent")


def queue_alert(
    session: Session,
    change_id: int,
    *,
    recipient: str,
    channel: str,
    message_id: str,
    subscription_id: int | None = None,
    held: bool = False,
) -> None:
    """Put one outbox row for (change, subscription, channel); the table's unique key forbids a second.

    ``held``: for a digest subscription, the row waits for its digest instead of being sent.
    """
    session.add(
        AlertRecord(
            kind="change",
            change_id=change_id,
            subscription_id=subscription_id,
            recipient=recipient,
            channel=channel,
            message_id=message_id,
            status="held" if held else "pending",
            next_attempt_at=utcnow(),
        )
    )
    session.flush()


def changes_told(session: Session, subscription_name: str, change_ids: Iterable[int]) -> list[int]:
    """Those of ``change_ids`` the subscription was told of, or is about to be."""
    ids = list(change_ids)
    if not ids:
        return []
    told = session.scalars(
        select(AlertRecord.change_id)
        .join(SubscriptionRecord, AlertRecord.subscription_id == SubscriptionRecord.id)
        .where(
            SubscriptionRecord.name == subscription_name,
            AlertRecord.change_id.in_(ids),
            AlertRecord.status.in_(_TOLD),
        )
    )
    found = {change_id for change_id in told if change_id is not None}
    return [change_id for change_id in ids if change_id in found]


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
    claimed = claim_rows(session, AlertRecord, due, owner=owner, until=now + lease)
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


def release_alerts(session: Session, alert_ids: Sequence[int]) -> None:
    """Give back claims on alerts not sent after all (stopping): pending and due as they were, no attempt counted."""
    if alert_ids:
        session.execute(
            update(AlertRecord).where(AlertRecord.id.in_(alert_ids)).values(claimed_by=None, claim_expires_at=None)
        )


def _finish_alert(session: Session, alert_id: int, **values: object) -> None:
    session.execute(
        update(AlertRecord)
        .where(AlertRecord.id == alert_id)
        .values(claimed_by=None, claim_expires_at=None, attempts=AlertRecord.attempts + 1, **values)
    )
