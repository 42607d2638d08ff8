"""Ways to deliver an alert, behind one interface so that one outbox serves them all.

    channel.send(Delivery(content=notice_or_digest, target=..., key=...)) -> the receiver's answer

``EmailChannel`` (SMTP), ``AppriseChannel`` (Slack, Teams, Discord, ntfy, Matrix, ... URLs) and
``WebhookChannel`` (signed JSON). Each raises ``DeliveryError`` with ``permanent`` set when retrying cannot help.
"""

from monitor.alerts.channels.apprise_url import AppriseChannel, describe_apprise_url
from monitor.alerts.channels.base import Channel, Content, Delivery
from monitor.alerts.channels.mail import EmailChannel, SmtpSettings, build_message
from monitor.alerts.channels.webhook import WebhookChannel, sign, verify_signature, webhook_payload

__all__ = [
    "AppriseChannel",
    "Channel",
    "Content",
    "Delivery",
    "EmailChannel",
    "SmtpSettings",
    "WebhookChannel",
    "build_message",
    "describe_apprise_url",
    "sign",
    "verify_signature",
    "webhook_payload",
]
