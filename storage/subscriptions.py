"""Subscriptions and digests in the database: config and CLI subscriptions side by side, digests gathered once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.models import AlertMode, Subscription, VersionClass
from storage.schema import AlertRecord, SubscriptionRecord

CONFIG, CLI = "config", "cli"


def sync_config_subscriptions(session: Session, subscriptions: Sequence[Subscription], *, now: datetime) -> None:
    """Make the config's subscriptions current; a config subscription dropped from the file stops."""
    existing = {r.name: r for r in session.scalars(select(SubscriptionRecord))}
    for subscription in subscriptions:
        record = existing.get(subscription.name)
        if record is None:
            record = SubscriptionRecord(name=subscription.name, created_at=now)
            session.add(record)
        _apply(record, subscription, source=CONFIG, now=now)
    wanted = {subscription.name for subscription in subscriptions}
    for name, record in existing.items():
        if record.source == CONFIG and name not in wanted:
            record.active = False
    session.flush()


def add_subscription(session: Session, subscription: Subscription, *, now: datetime) -> SubscriptionRecord:
    """A subscription made from the command line; an active one of the same name is replaced."""
    record = session.scalar(select(SubscriptionRecord).where(SubscriptionRecord.name == subscription.name))
    if record is None:
        record = SubscriptionRecord(name=subscription.name, created_at=now)
        session.add(record)
    _apply(record, subscription, source=CLI, now=now)
    session.flush()
    return record


def deactivate_subscription(session: Session, name: str) -> None:
    session.execute(update(SubscriptionRecord).where(SubscriptionRecord.name == name).values(active=False))


def _apply(record: SubscriptionRecord, subscription: Subscription, *, source: str, now: datetime) -> None:
    mode = subscription.mode.value
    was_digest = record.active and record.mode == mode and record.digest_due_at is not None
    record.channel, record.target, record.secret_env = (
        subscription.channel,
        subscription.target,
        subscription.secret_env,
    )
    record.policies, record.sections = list(subscription.policies), subscription.sections
    alert_on = subscription.alert_on
    record.alert_on = sorted(c.value for c in alert_on) if alert_on is not None else None
    record.mode, record.source, record.active = mode, source, True
    if not was_digest:  # a digest's first period starts when it is subscribed to (or its mode changes)
        period = DIGEST_PERIODS.get(subscription.mode)
        record.digest_due_at = now + period if period else None


def subscription_of(record: SubscriptionRecord) -> Subscription:
    """The stored subscription as the domain's value."""
    return Subscription(
        name=record.name,
        target=record.target,
        channel=record.channel,
        policies=tuple(record.policies),
        sections=record.sections,
        alert_on=frozenset(VersionClass(c) for c in record.alert_on) if record.alert_on else None,
        mode=AlertMode(record.mode),
        secret_env=record.secret_env,
    )


DIGEST_PERIODS = {AlertMode.DAILY: timedelta(days=1), AlertMode.WEEKLY: timedelta(days=7)}


def gather_digest(
    session: Session,
    subscription_id: int,
    *,
    now: datetime,
    recipient: str,
    message_id_for: Callable[[list[int]], str],
) -> int | None:
    """If the subscription's digest is due, gather its held changes into one outbox row (returned), in one step.

    ``recipient`` is the subscription's label, as the outbox shows it.

    The subscription row is locked (others skip it), so two daemons never gather the same period twice; a
    period with nothing held sends nothing and simply moves on.
    """
    record = session.scalar(
        select(SubscriptionRecord)
        .where(SubscriptionRecord.id == subscription_id, SubscriptionRecord.digest_due_at <= now)
        .with_for_update(skip_locked=True)
    )
    if record is None or record.digest_due_at is None:
        return None
    period = DIGEST_PERIODS[AlertMode(record.mode)]
    start, end = record.digest_due_at - period, now
    record.digest_due_at = _next_due(record.digest_due_at, period, now)
    held = session.execute(
        select(AlertRecord.id, AlertRecord.change_id).where(
            AlertRecord.subscription_id == subscription_id, AlertRecord.status == "held"
        )
    ).all()
    if not held:
        return None
    digest = AlertRecord(
        kind="digest",
        subscription_id=subscription_id,
        recipient=recipient,
        channel=record.channel,
        message_id=message_id_for(sorted(change_id for _, change_id in held if change_id is not None)),
        status="pending",
        period_start=start,
        period_end=end,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(digest)
    session.flush()
    gathered = [alert_id for alert_id, _ in held]
    session.execute(
        update(AlertRecord).where(AlertRecord.id.in_(gathered)).values(status="digested", digest_id=digest.id)
    )
    return digest.id


def _next_due(due: datetime, period: timedelta, now: datetime) -> datetime:
    """The next period's end on the same rhythm; periods missed while no daemon ran are folded into this one."""
    while due <= now:
        due += period
    return due


def active_subscriptions(session: Session) -> list[SubscriptionRecord]:
    query = select(SubscriptionRecord).where(SubscriptionRecord.active.is_(True))
    return list(session.scalars(query.order_by(SubscriptionRecord.name)))


def all_subscriptions(session: Session) -> list[SubscriptionRecord]:
    return list(session.scalars(select(SubscriptionRecord).order_by(SubscriptionRecord.name)))


def subscription_by_name(session: Session, name: str) -> SubscriptionRecord | None:
    return session.scalar(select(SubscriptionRecord).where(SubscriptionRecord.name == name))


def digest_subscriptions_due(session: Session, *, now: datetime) -> list[int]:
    query = select(SubscriptionRecord.id).where(
        SubscriptionRecord.active.is_(True), SubscriptionRecord.digest_due_at <= now
    )
    return list(session.scalars(query.order_by(SubscriptionRecord.id)))


def digest_change_ids(session: Session, digest_id: int) -> list[int]:
    """The changes a digest gathered, oldest first."""
    query = select(AlertRecord.change_id).where(AlertRecord.digest_id == digest_id, AlertRecord.change_id.is_not(None))
    return [change_id for change_id in session.scalars(query.order_by(AlertRecord.change_id)) if change_id is not None]


def subscription_by_id(session: Session, subscription_id: int) -> SubscriptionRecord | None:
    return session.get(SubscriptionRecord, subscription_id)
