"""What one outbox row becomes when it is sent: the content (a change or a digest, filtered for its
subscriber), the target, and the channel that carries it. Secrets are read from the environment here, at send
time, and nowhere else."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.orm import Session

from jobs.app import App
from jobs.config import Settings
from jobs.subscribers import notice_for_subscriber
from monitor.alerts.channels import AppriseChannel, Channel, Delivery, EmailChannel, WebhookChannel
from monitor.alerts.channels.base import Content
from monitor.alerts.digest_render import Digest
from monitor.alerts.subscription_rule import ChannelKind
from monitor.errors import DeliveryError
from storage.schema import AlertRecord, SubscriptionRecord
from storage.subscriptions import digest_change_ids, subscription_by_id


@dataclass(frozen=True)
class Skip:
    """The row is not to be sent, and why (it is kept as ``cancelled``)."""

    reason: str


def prepare_delivery(app: App, alert: AlertRecord) -> tuple[Channel, Delivery] | Skip:
    """Raises ``DeliveryError`` when the channel cannot be set up (a missing secret: transient, it may be set)."""
    with app.database.reader() as session:
        subscription = subscription_by_id(session, alert.subscription_id) if alert.subscription_id else None
        if alert.subscription_id and (subscription is None or not subscription.active):
            return Skip("unsubscribed before it was sent")
        content = _content(session, app.settings, alert, subscription)
    if content is None:
        return Skip("the change no longer concerns this subscription")
    channel, target = _channel(app.settings, alert, subscription)
    return channel, Delivery(content, target, alert.message_id, unsubscribe_url(app.settings, subscription))


def _content(
    session: Session, settings: Settings, alert: AlertRecord, subscription: SubscriptionRecord | None
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


def _channel(settings: Settings, alert: AlertRecord, subscription: SubscriptionRecord | None) -> tuple[Channel, str]:
    kind = subscription.channel if subscription else alert.channel
    if kind == ChannelKind.APPRISE.value:
        assert subscription is not None
        return AppriseChannel(), _secret(subscription.target, "the Apprise URL")
    if kind == ChannelKind.WEBHOOK.value:
        assert subscription is not None and subscription.secret_env is not None
        secret = _secret(subscription.secret_env, "the webhook's signing secret")
        return WebhookChannel(secret=secret.encode()), subscription.target
    return EmailChannel(settings.email.smtp, settings.email.sender), alert.recipient


def _secret(variable: str, what: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise DeliveryError(f"${variable} is not set: it must hold {what}")
    return value


def unsubscribe_url(settings: Settings, subscription: SubscriptionRecord | None) -> str | None:
    if settings.unsubscribe_url is None or subscription is None:
        return None
    return settings.unsubscribe_url.replace("{subscription}", quote(subscription.name, safe=""))
