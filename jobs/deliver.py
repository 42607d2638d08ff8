"""Send what the outbox holds: gather due digests, then claim, send, mark. A failed send stays queued and is
retried with back-off; a permanent refusal is marked failed with the receiver's answer.

Exactly-once as far as the receivers allow: a row is marked sent right after its receiver accepts it; a crash
between the two can re-send that one message, with the same Message-ID (or idempotency key), so mail clients and
webhook receivers fold the copies.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jobs.alert_content import Skip, prepare_delivery
from jobs.app import App
from jobs.claims import release_dead_claims
from jobs.subscribers import label, mail_domain
from monitor.alerts.email_message import make_digest_message_id
from monitor.errors import DeliveryDeferred, DeliveryError
from storage.alerts_outbox import (
    cancel_alert,
    claim_pending_alerts,
    mark_alert_failed,
    mark_alert_sent,
    release_alerts,
    reschedule_alert,
)
from storage.installation import installation_id
from storage.schema import AlertRecord
from storage.subscriptions import digest_subscriptions_due, gather_digest, subscription_by_id, subscription_of

logger = logging.getLogger(__name__)

CLAIM_BATCH = 50
CLAIM_LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    digests: int = 0


def deliver_pending(app: App, *, now: datetime | None = None, stop: threading.Event | None = None) -> DeliveryReport:
    """Gather due digests, then send every due row once, until none is left or ``stop`` is set (the rows claimed
    but not sent are given back); ``now`` is for tests that step over back-off delays."""
    report = DeliveryReport()
    release_dead_claims(app.database)  # a sender killed on this machine gives its rows back at once
    report.digests = gather_due_digests(app, now=now or datetime.now(UTC))
    while not (stop and stop.is_set()):
        moment = now or datetime.now(UTC)
        with app.database.transaction() as session:
            batch = claim_pending_alerts(session, owner=app.owner, now=moment, limit=CLAIM_BATCH, lease=CLAIM_LEASE)
        if not batch:
            return report
        for index, alert in enumerate(batch):
            if stop and stop.is_set():
                with app.database.transaction() as session:
                    release_alerts(session, [a.id for a in batch[index:]])
                return report
            _deliver_one(app, alert, moment, report)
    return report


def gather_due_digests(app: App, *, now: datetime) -> int:
    """Turn each due digest subscription's held changes into one outbox row; returns how many were made."""
    with app.database.reader() as session:
        due = digest_subscriptions_due(session, now=now)
    made = 0
    for subscription_id in due:
        with app.database.transaction() as session:
            subscription = subscription_by_id(session, subscription_id)
            if subscription is None:
                continue

            recipient = label(subscription_of(subscription))
            installation = installation_id(session)

            def message_id_for(
                change_ids: list[int],
                recipient: str = recipient,
                name: str = subscription.name,
                installation: str = installation,
            ) -> str:
                return make_digest_message_id(
                    change_ids=change_ids,
                    recipient=recipient,
                    domain=mail_domain(app.settings),
                    subscription=name,
                    installation=installation,
                )

            gathered = gather_digest(
                session, subscription_id, now=now, recipient=recipient, message_id_for=message_id_for
            )
            made += gathered is not None
    return made


def _deliver_one(app: App, alert: AlertRecord, now: datetime, report: DeliveryReport) -> None:
    try:
        prepared = prepare_delivery(app, alert)
        if isinstance(prepared, Skip):
            _cancel(app, alert, prepared.reason, report)
            return
        channel, delivery = prepared
        response = channel.send(delivery)
    except DeliveryError as error:
        _after_failure(app, alert, error, now, report)
        return
    with app.database.transaction() as session:
        mark_alert_sent(session, alert.id, now=datetime.now(UTC), response=response)
    report.sent += 1
    logger.info("alert %d sent to %s: %s", alert.id, alert.recipient, response)


def _cancel(app: App, alert: AlertRecord, reason: str, report: DeliveryReport) -> None:
    with app.database.transaction() as session:
        cancel_alert(session, alert.id, reason=reason)
    report.cancelled += 1
    logger.info("alert %d to %s not sent: %s", alert.id, alert.recipient, reason)


def _after_failure(app: App, alert: AlertRecord, error: DeliveryError, now: datetime, report: DeliveryReport) -> None:
    gave_up = now - alert.created_at > app.settings.email.retry_for
    with app.database.transaction() as session:
        if error.permanent or gave_up:
            mark_alert_failed(session, alert.id, error=str(error))
            report.failed += 1
            logger.error("alert %d to %s failed for good: %s", alert.id, alert.recipient, error)
            return
        delay = retry_delay(alert.attempts)
        if isinstance(error, DeliveryDeferred):  # the receiver said when to come back
            delay = max(delay, timedelta(seconds=error.retry_after))
        reschedule_alert(session, alert.id, next_attempt_at=now + delay, error=str(error))
    report.retrying += 1
    logger.warning("alert %d to %s will be retried: %s", alert.id, alert.recipient, error)


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off with jitter, so many queued alerts do not hammer a recovering server at once."""
    delay = min(FIRST_RETRY * (2**attempts), LONGEST_RETRY)
    return delay * random.uniform(0.5, 1.0)
