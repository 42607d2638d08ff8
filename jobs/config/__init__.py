"""The configuration: config.toml's keys declared once (``tables``), read and located (``source``), turned into
the domain's settings (``settings``) and subscriptions (``subscriptions``)."""

from __future__ import annotations

from jobs.config.settings import (
    ENV_CONFIG,
    ENV_DATABASE_URL,
    EmailSettings,
    ScheduleSettings,
    Settings,
    default_config_path,
    load_settings,
    parse_settings,
)
from jobs.config.tables import ENV_SMTP_PASSWORD

__all__ = [
    "ENV_CONFIG",
    "ENV_DATABASE_URL",
    "ENV_SMTP_PASSWORD",
    "EmailSettings",
    "ScheduleSettings",
    "Settings",
    "default_config_path",
    "load_settings",
    "parse_settings",
]
