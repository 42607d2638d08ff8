"""Ways to deliver an alert, one class per kind, behind one interface so that one outbox serves them all.

    kind = channel_kind(subscription.channel)      # its keys, how its target is checked and shown
    channel, target = kind.for_subscription(subscription, setup)
    channel.send(Delivery(content=notice_or_digest, target=target, key=...)) -> the receiver's answer

``EmailChannel`` (SMTP), ``AppriseChannel`` (Slack, Teams, Discord, ntfy, Matrix, ... URLs) and
``WebhookChannel`` (signed JSON). A new kind is one module with one ``Channel`` subclass, named in
``CHANNELS``: the config's ``[[subscriptions]]`` keys and the ``subscribe`` options follow from it.
"""

from monitor.alerts.channels.apprise_url import AppriseChannel
from monitor.alerts.channels.base import Channel, Content, Delivery, SendSetup
from monitor.alerts.channels.mail import EmailChannel, build_message
from monitor.alerts.channels.webhook import WebhookChannel, sign, verify_signature, webhook_payload
from monitor.errors import SubscriptionError

CHANNELS: dict[str, type[Channel]] = {kind.kind: kind for kind in (EmailChannel, AppriseChannel, WebhookChannel)}


def channel_kind(name: object) -> type[Channel]:
    """The channel class a subscription names, or ``SubscriptionError`` listing the known ones."""
    kind = CHANNELS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise SubscriptionError(f"channel must be one of {', '.join(CHANNELS)}, not {name!r}")
    return kind


__all__ = [
    "CHANNELS",
    "AppriseChannel",
    "Channel",
    "Content",
    "Delivery",
    "EmailChannel",
    "SendSetup",
    "WebhookChannel",
    "build_message",
    "channel_kind",
    "sign",
    "verify_signature",
    "webhook_payload",
]
