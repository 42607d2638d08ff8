"""What every channel is given and promises: a ``Delivery`` in, the receiver's answer out, or ``DeliveryError``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from monitor.alerts.digest_render import Digest
from monitor.alerts.email_render import ChangeNotice

Content = ChangeNotice | Digest


@dataclass(frozen=True)
class Delivery:
    """One outbox row made ready to send: what, to whom, and under which id."""

    content: Content
    target: str  # an email address, an Apprise URL or a webhook URL
    key: str  # stable across resends: the Message-ID of an email, the idempotency key of a webhook
    unsubscribe_url: str | None = None


class Channel(Protocol):
    """A way to deliver alerts. ``send`` answers what the receiver said, e.g. ``250 OK`` or ``HTTP 200 OK``.

    It raises ``DeliveryError``: ``permanent`` when retrying cannot help (a 5xx from SMTP, a 4xx from HTTP, a
    target that is not a valid address or URL), otherwise transient.
    """

    def send(self, delivery: Delivery) -> str: ...
