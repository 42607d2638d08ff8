"""config.toml -> frozen settings: the validated tables (``jobs.config.tables``) become the domain's values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from jobs.config.source import ConfigSource, read_config
from jobs.config.subscriptions import config_subscriptions, recipient_subscriptions
from jobs.config.tables import ENV_SMTP_PASSWORD, ConfigFile, EmailTable, PolicyEntry, ScheduleTable, WaybackTable
from monitor.alerts.smtp import SmtpSettings
from monitor.models import Policy, Subscription, VersionClass
from monitor.wayback.settings import ArchiveSettings

ENV_CONFIG = "POLICY_MONITOR_CONFIG"
ENV_DATABASE_URL = "POLICY_MONITOR_DATABASE_URL"


@dataclass(frozen=True)
class ScheduleSettings:
    poll_interval: timedelta = timedelta(hours=24)
    check_interval: timedelta = timedelta(minutes=1)  # how often the daemon looks for due policies
    delivery_interval: timedelta = timedelta(seconds=30)
    stale_after: timedelta = timedelta(days=180)  # list and status show a policy not captured this long as stale


@dataclass(frozen=True)
class EmailSettings:
    """The ``[email]`` table: the SMTP server (its password from the environment), who sends, who hears."""

    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    sender: str = "policy-monitor@localhost"
    recipients: tuple[str, ...] = ()
    retry_for: timedelta = timedelta(days=2)  # give up on an alert the server keeps refusing after this long


@dataclass(frozen=True)
class Settings:
    database_url: str
    archive: ArchiveSettings
    schedule: ScheduleSettings
    email: EmailSettings
    policies: tuple[Policy, ...]
    path: Path | None = None
    subscriptions: tuple[Subscription, ...] = ()  # [email] recipients first, then [[subscriptions]]
    unsubscribe_url: str | None = None  # List-Unsubscribe; "{subscription}" is replaced by its name

    def policy(self, name: str) -> Policy | None:
        return next((p for p in self.policies if p.name == name), None)


def default_config_path() -> Path:
    return Path(os.environ.get(ENV_CONFIG, "config.toml"))


def load_settings(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    data, source = read_config(path)
    return parse_settings(data, env=os.environ if env is None else env, source=source)


def parse_settings(data: dict[str, Any], *, env: Mapping[str, str], source: ConfigSource | None = None) -> Settings:
    source = source or ConfigSource()
    try:
        config = ConfigFile.model_validate(data)
    except ValidationError as error:
        raise source.error(error, data) from None
    email = _email(config.email, env)
    implied = recipient_subscriptions(email.recipients)
    policies = _policies(config.policies, source, data)
    subscriptions = config_subscriptions(config.subscriptions, {s.name for s in implied}, policies, (source, data))
    return Settings(
        database_url=env.get(ENV_DATABASE_URL) or config.storage.url,
        archive=_archive(config.wayback),
        schedule=_schedule(config.schedule),
        email=email,
        policies=policies,
        path=source.path,
        subscriptions=(*implied, *subscriptions),
        unsubscribe_url=config.email.unsubscribe_url,
    )


def _archive(table: WaybackTable) -> ArchiveSettings:
    return ArchiveSettings(
        base_url=table.base_url.rstrip("/"),
        user_agent=table.user_agent,
        cdx_per_minute=float(table.cdx_per_minute),
        captures_per_second=float(table.captures_per_second),
        timeout=float(table.timeout),
        request_deadline=float(table.request_deadline),
        max_capture_bytes=table.max_capture_bytes,
        retries=table.retries,
        backoff=float(table.backoff),
        rate_limit_pause=table.rate_limit_pause.total_seconds(),
        rate_limit_pause_max=table.rate_limit_pause_max.total_seconds(),
        block_after_refusals=table.block_after_refusals,
        block_cooldown=table.block_cooldown.total_seconds(),
        block_cooldown_max=table.block_cooldown_max.total_seconds(),
        redirect_window=table.redirect_window,
        max_redirect_hops=table.max_redirect_hops,
        cdx_page_size=table.cdx_page_size,
    )


def _schedule(table: ScheduleTable) -> ScheduleSettings:
    return ScheduleSettings(table.poll_interval, table.check_interval, table.delivery_interval, table.stale_after)


def _email(table: EmailTable, env: Mapping[str, str]) -> EmailSettings:
    smtp = SmtpSettings(
        host=table.smtp_host,
        port=table.smtp_port,
        username=table.username,
        password=env.get(ENV_SMTP_PASSWORD) or None,
        starttls=table.starttls,
    )
    return EmailSettings(smtp=smtp, sender=table.sender, recipients=tuple(table.recipients), retry_for=table.retry_for)


def _policies(entries: list[PolicyEntry], source: ConfigSource, data: dict[str, Any]) -> tuple[Policy, ...]:
    policies: list[Policy] = []
    for index, entry in enumerate(entries):
        if any(p.name == entry.name for p in policies):
            raise source.fail(("policies", index, "name"), f"{entry.name!r} is used twice", data)
        policies.append(_policy(entry))
    names = {policy.name for policy in policies}
    for index, policy in enumerate(policies):
        if policy.renamed_from is not None and (policy.renamed_from in names or policy.renamed_from == ""):
            where = ("policies", index, "renamed_from")
            raise source.fail(where, f"{policy.renamed_from!r} is the name of a policy still in the config", data)
    return tuple(policies)


def _policy(entry: PolicyEntry) -> Policy:
    host = urlsplit(entry.url).hostname or ""
    return Policy(
        name=entry.name,
        url=entry.url,
        site=entry.site or host.removeprefix("www."),
        select=tuple(entry.select),
        remove=tuple(entry.remove),
        renamed_from=entry.renamed_from,
        alert_on=frozenset(VersionClass(v) for v in entry.alert_on),
    )
