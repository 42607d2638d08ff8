"""What every channel is: the keys a subscription names it by, how its target is checked and shown, how it is
set up to send (its secrets read then), and ``send``: a ``Delivery`` in, the receiver's answer out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from monitor.alerts.digest_render import Digest
from monitor.alerts.email_render import ChangeNotice
from monitor.alerts.smtp import SmtpSettings
from monitor.errors import DeliveryError, SubscriptionError
from monitor.models import Subscription

Content = ChangeNotice | Digest


@dataclass(frozen=True)
class Delivery:
    """One outbox row made ready to send: what, to whom, and under which id."""

    content: Content
    target: str  # an email address, an Apprise URL or a webhook URL
    key: str  # stable across resends: the Message-ID of an email, the idempotency key of a webhook
    unsubscribe_url: str | None = None


@dataclass(frozen=True)
class SendSetup:
    """What a channel may draw on when it is set up to send: the mail settings and the environment's secrets."""

    smtp: SmtpSettings
    sender: str
    environ: Mapping[str, str]

    def secret(self, variable: str, what: str) -> str:
        """A secret from the environment, read when an alert is sent (transient if unset: it may be set)."""
        value = self.environ.get(variable)
        if not value:
            raise DeliveryError(f"${variable} is not set: it must hold {what}")
        return value


class Channel(ABC):
    """A way to deliver alerts; each kind is one subclass, listed in ``monitor.alerts.channels.CHANNELS``.

    ``send`` answers what the receiver said, e.g. ``250 OK`` or ``HTTP 200 OK``. It raises ``DeliveryError``:
    ``permanent`` when retrying cannot help (a 5xx from SMTP, a 4xx from HTTP, a target that is not a valid
    address or URL), otherwise transient. A channel module imports its client library only when it sends:
    the config names every kind, and a reader's command must not pay for them.
    """

    kind: ClassVar[str]  # as subscriptions store it
    target_key: ClassVar[str]  # the [[subscriptions]] key (and ``subscribe`` option) that names the target
    target_help: ClassVar[str]
    needs_secret_env: ClassVar[bool] = False  # whether ``secret_env`` must name the signing secret's variable

    @classmethod
    @abstractmethod
    def check_target(cls, target: str) -> None:
        """Raises ``SubscriptionError`` unless ``target`` is one this channel can send to."""

    @classmethod
    def label(cls, target: str) -> str:
        """Where its alerts go, as the outbox and ``status`` show it: never a secret."""
        return target

    @classmethod
    @abstractmethod
    def for_subscription(cls, subscription: Subscription, setup: SendSetup) -> tuple[Channel, str]:
        """The channel set up to send this subscription's alerts, and the target they go to."""

    @abstractmethod
    def send(self, delivery: Delivery) -> str: ...


def check_env_name(value: object, key: str) -> str:
    """``value`` if it can name an environment variable, else ``SubscriptionError`` about ``key``."""
    if not isinstance(value, str) or not value.isidentifier() or not value.isascii():
        raise SubscriptionError(f"{key} must name an environment variable, not {value!r}")
    return value
