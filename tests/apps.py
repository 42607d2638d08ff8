"""Build a configured ``App`` for tests: fake archive, loopback SMTP, a fresh database, fast limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from jobs.app import App, open_app
from jobs.config import Settings, parse_settings
from monitor.wayback.client import WaybackArchive

RECIPIENTS = ("privacy-team@example.org", "counsel@example.org")


def make_settings(
    *,
    database_url: str,
    archive_url: str,
    smtp_port: int,
    policies: Sequence[dict[str, Any]],
    recipients: Sequence[str] = RECIPIENTS,
    subscriptions: Sequence[dict[str, Any]] = (),
) -> Settings:
    return parse_settings(
        {
            "storage": {"url": database_url},
            "wayback": {
                "base_url": archive_url,
                "user_agent": "policy-monitor-tests (+mailto:tests@example.org)",
                "cdx_per_minute": 6000,
                "captures_per_second": 200,
                "timeout": 5,
            },
            "schedule": {"poll_interval": "24h", "check_interval": "1s", "delivery_interval": "1s"},
            "email": {
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp_port,
                "sender": "policy-monitor@example.org",
                "recipients": list(recipients),
            },
            "policies": list(policies),
            "subscriptions": list(subscriptions),
        },
        env={},
    )


def start_app(settings: Settings) -> App:
    """An app whose archive client retries fast and pauses briefly after a 429, so fault tests stay quick."""
    archive_settings = replace(settings.archive, retries=1, backoff=0.01, rate_limit_pause=0.5)
    return open_app(settings, archive=WaybackArchive(archive_settings))
