"""Send pending alerts from the outbox: claim, send, mark. A failed send stays queued and is retried later.

Exactly-once as far as SMTP allows: a row is marked sent right after the server accepts it; a crash between
the two can re-send that one message, with the same Message-ID so mail clients fold the copies.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from jobs.app import App
from jobs.convert import notice_for
from monitor.alerts import build_email, send_email
from monitor.errors import DeliveryError
from storage import queries
from storage.repository import claim_pending_alerts, mark_alert_failed, mark_alert_sent, reschedule_alert
from storage.schema import AlertRecord

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


def deliver_pending(app: App, *, now: datetime | None = None) -> DeliveryReport:
    """Send every due alert once; ``now`` is for tests that step over back-off delays."""
    report = DeliveryReport()
    while True:
        moment = now or datetime.now(UTC)
        with app.database.transaction() as session:
            batch = claim_pending_alerts(session, owner=app.owner, now=moment, limit=CLAIM_BATCH, lease=CLAIM_LEASE)
        if not batch:
            return report
        for alert in batch:
            _deliver_one(app, alert, moment, report)


def _deliver_one(app: App, alert: AlertRecord, now: datetime, report: DeliveryReport) -> None:
    email = app.settings.email
    try:
        message = _message_for(app, alert)
        response = send_email(
            message,
            host=email.smtp_host,
            port=email.smtp_port,
            username=email.username,
            password=email.password,
            starttls=email.starttls,
        )
    except DeliveryError as error:
        _after_failure(app, alert, error, now, report)
        return
    with app.database.transaction() as session:
        mark_alert_sent(session, alert.id, now=datetime.now(UTC), response=response)
    report.sent += 1
    logger.info("alert %d sent to %s", alert.id, alert.recipient)


def _message_for(app: App, alert: AlertRecord) -> EmailMessage:
    with app.database.reader() as session:
        detail = queries.change_detail(session, alert.change_id)
    if detail is None:
        raise DeliveryError(f"change {alert.change_id} no longer exists", permanent=True)
    change, policy = detail
    notice = notice_for(change, policy, archive_url=app.settings.archive.base_url)
    return build_email(notice, sender=app.settings.email.sender, recipient=alert.recipient, message_id=alert.message_id)


def _after_failure(app: App, alert: AlertRecord, error: DeliveryError, now: datetime, report: DeliveryReport) -> None:
    gave_up = now - alert.created_at > app.settings.email.retry_for
    with app.database.transaction() as session:
        if error.permanent or gave_up:
            mark_alert_failed(session, alert.id, error=str(error))
            report.failed += 1
            logger.error("alert %d to %s failed for good: %s", alert.id, alert.recipient, error)
            return
        reschedule_alert(session, alert.id, next_attempt_at=now + retry_delay(alert.attempts), error=str(error))
    report.retrying += 1
    logger.warning("alert %d to %s will be retried: %s", alert.id, alert.recipient, error)


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off with jitter, so many queued alerts do not hammer a recovering server at once."""
    delay = min(FIRST_RETRY * (2**attempts), LONGEST_RETRY)
    return delay * random.uniform(0.5, 1.0)
