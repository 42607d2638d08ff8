"""The email channel: a ``Delivery`` built into a message (one change or a digest) and sent over SMTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from monitor.alerts.channels.base import Delivery
from monitor.alerts.digest_render import Digest
from monitor.alerts.email_message import build_digest_email, build_email
from monitor.alerts.smtp import SmtpSettings, send_email
from monitor.errors import DeliveryError


@dataclass(frozen=True)
class EmailChannel:
    smtp: SmtpSettings
    sender: str

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
