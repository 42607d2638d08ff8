"""The email channel: a ``Delivery`` built into a message (one change or a digest) and sent over SMTP."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import ClassVar

from monitor.alerts.channels.base import Channel, Delivery, SendSetup
from monitor.alerts.digest_render import Digest
from monitor.alerts.email_message import build_digest_email, build_email
from monitor.alerts.smtp import SmtpSettings, send_email
from monitor.errors import DeliveryError, SubscriptionError
from monitor.models import Subscription

_ADDRESS = re.compile(r"[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+")


@dataclass(frozen=True)
class EmailChannel(Channel):
    """Alerts as emails (text and HTML, threaded per policy) to one address."""

    kind: ClassVar[str] = "email"
    target_key: ClassVar[str] = "email"
    target_help: ClassVar[str] = "send alerts to this address"

    smtp: SmtpSettings
    sender: str

    @classmethod
    def check_target(cls, target: str) -> None:
        if not _ADDRESS.fullmatch(target):
            raise SubscriptionError(f"{target!r} is not an email address")

    @classmethod
    def for_subscription(cls, subscription: Subscription, setup: SendSetup) -> tuple[Channel, str]:
        return cls(setup.smtp, setup.sender), subscription.target

    def send(self, delivery: Delivery) -> str:
        return send_email(build_message(delivery, sender=self.sender), self.smtp)


def build_message(delivery: Delivery, *, sender: str, date: datetime | None = None) -> EmailMessage:
    """The email a delivery becomes (also what ``alerts preview`` shows). ``delivery.key`` is its Message-ID."""
    content, target, key, unsubscribe = delivery.content, delivery.target, delivery.key, delivery.unsubscribe_url
    try:
        if isinstance(content, Digest):
            return build_digest_email(
                content.notices,
                period=content.period,
                sender=sender,
                recipient=target,
                message_id=key,
                date=date,
                unsubscribe_url=unsubscribe,
            )
        return build_email(
            content, sender=sender, recipient=target, message_id=key, date=date, unsubscribe_url=unsubscribe
        )
    except ValueError as error:  # a bad unsubscribe URL: resending cannot fix it
        raise DeliveryError(f"cannot build the email: {error}", permanent=True) from error
