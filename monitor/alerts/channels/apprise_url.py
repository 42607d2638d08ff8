"""The Apprise channel: a short plain-text alert to one Apprise URL (Slack, Teams, Discord, ntfy, Matrix, ...).

Apprise only says whether a notification went through, so a failure is transient (the service may be down),
except for a URL Apprise cannot parse at all, which no retry will fix. Apprise is kept to the configured
target: exactly one URL, no attachments, no plugins from disk, no redirects followed, no persistent storage,
and no image links (which would make the receiving service fetch images from elsewhere).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from monitor.alerts.channels.base import Channel, Delivery, SendSetup, check_env_name
from monitor.alerts.chat_render import short_text, short_title
from monitor.errors import DeliveryError
from monitor.models import Subscription

if TYPE_CHECKING:
    import apprise

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppriseChannel(Channel):
    """A subscription's target is the environment variable holding the Apprise URL: the URL carries tokens."""

    kind: ClassVar[str] = "apprise"
    target_key: ClassVar[str] = "apprise_env"
    target_help: ClassVar[str] = "the environment variable holding an Apprise URL"

    timeout: float = 30.0  # the whole notification, retries included

    @classmethod
    def check_target(cls, target: str) -> None:
        check_env_name(target, cls.target_key)

    @classmethod
    def label(cls, target: str) -> str:
        return f"${target}"

    @classmethod
    def for_subscription(cls, subscription: Subscription, setup: SendSetup) -> tuple[Channel, str]:
        return cls(), setup.secret(subscription.target, "the Apprise URL")

    def send(self, delivery: Delivery) -> str:
        import apprise  # a tenth of a second to import: only a process that sends through Apprise pays for it

        plugin = _plugin(delivery.target)
        if plugin is None:
            raise DeliveryError(f"not a usable Apprise URL: {_scheme(delivery.target)}://…", permanent=True)
        where = f"Apprise {plugin.url(privacy=True)}"
        notifier = apprise.Apprise(asset=_asset())
        notifier.add(plugin)
        result = notifier.notify(
            body=short_text(delivery.content),
            title=short_title(delivery.content),
            body_format=apprise.NotifyFormat.TEXT,
            timeout=self.timeout,
        )
        if not result:
            reasons = "; ".join(entry.message for entry in result.logs()) or "no reason given"
            raise DeliveryError(f"{where} failed ({result.status.name.lower()}): {reasons}")
        logger.info("alert %s delivered via %s", delivery.key, where)
        return f"{where}: sent"


def _plugin(url: str) -> apprise.NotifyBase | None:
    import apprise

    # instantiate() takes exactly one URL, where Apprise.add() would split "a://x, b://y" into two targets.
    plugin = apprise.Apprise.instantiate(url.strip(), asset=_asset(), suppress_exceptions=True)
    return plugin if isinstance(plugin, apprise.NotifyBase) else None


def _asset() -> apprise.AppriseAsset:
    import apprise

    return apprise.AppriseAsset(
        storage_mode=apprise.PersistentStoreMode.MEMORY,
        http_redirects=False,
        image_url_mask="",
        image_url_logo="",
    )


def _scheme(url: str) -> str:
    # Only the scheme in messages: the rest of an Apprise URL is usually a token.
    scheme = url.strip().partition("://")[0]
    return scheme if scheme.isalnum() and len(scheme) < 20 else "?"
