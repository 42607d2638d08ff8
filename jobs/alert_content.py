"""What one outbox row becomes when it is sent: the content (a change or a digest, filtered for its
subscriber), the target, and the channel that carries it. Secrets are read from the environment by the channel
as it is set up here, at send time, and nowhere else."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.orm import Session

from jobs.app import App
from jobs.config import Settings
from jobs.subscribers import notice_for_subscriber
from monitor.alerts.channels import Channel, Content, Delivery, SendSetup, channel_kind
from monitor.alerts.digest_render import Digest
from monitor.models import Subscription
from storage.schema import AlertRecord
from storage.subscriptions import digest_change_ids, subscription_by_id, subscription_of


@dataclass(frozen=True)
class Skip:
    """The row is not to be sent, and why (it is kept as ``cancelled``)."""

    reason: str


def prepare_delivery(app: App, alert: AlertRecord) -> tuple[Channel, Delivery] | Skip:
    """Raises ``DeliveryError`` when the channel cannot be set up (a missing secret: transient, it may be set)."""
    with app.database.reader() as session:
        record = subscription_by_id(session, alert.subscription_id) if alert.subscription_id else None
        if alert.subscription_id and (record is None or not record.active):
            return Skip("unsubscribed before it was sent")
        subscription = subscription_of(record) if record is not None else None
        content = _content(session, app.settings, alert, subscription)
    if content is None:
        return Skip("the change no longer concerns this subscription")
    # A row queued before subscriptions existed goes to its recipient over its channel, unfiltered.
    sender = subscription or Subscription(name=alert.recipient, target=alert.recipient, channel=alert.channel)
    setup = SendSetup(app.settings.email.smtp, app.settings.email.sender, os.environ)
    channel, target = channel_kind(sender.channel).for_subscription(sender, setup)
    return channel, Delivery(content, target, alert.message_id, unsubscribe_url(app.settings, subscription))


def _content(
    session: Session, settings: Settings, alert: AlertRecord, subscription: Subscription | None
) -> Content | None:
    if alert.kind == "digest":
        assert subscription is not None
        notices = [
            notice_for_subscriber(session, settings, c, subscription) for c in digest_change_ids(session, alert.id)
        ]
        kept = tuple(n for n in notices if n is not None)
        return Digest(kept, subscription.mode) if kept else None
    assert alert.change_id is not None
    return notice_for_subscriber(session, settings, alert.change_id, subscription)


def unsubscribe_url(settings: Settings, subscription: Subscription | None) -> str | None:
    if settings.unsubscribe_url is None or subscription is None:
        return None
    return settings.unsubscribe_url.replace("{subscription}", quote(subscription.name, safe=""))
