"""config.toml -> frozen settings. Every mistake is a ``ConfigError`` naming the key and, where known, its line."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jobs.subscription_config import parse_subscriptions, recipient_subscriptions
from monitor.errors import ConfigError
from monitor.models import Policy, VersionClass
from monitor.wayback.settings import DEFAULT_ARCHIVE_URL, ArchiveSettings
from storage.repository import SubscriptionSpec

ENV_CONFIG = "POLICY_MONITOR_CONFIG"
ENV_DATABASE_URL = "POLICY_MONITOR_DATABASE_URL"
ENV_SMTP_PASSWORD = "POLICY_MONITOR_SMTP_PASSWORD"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_ARCHIVE_KEYS = {
    "base_url",
    "user_agent",
    "cdx_per_minute",
    "captures_per_second",
    "timeout",
    "max_capture_bytes",
    "retries",
    "backoff",
    "rate_limit_pause",
    "rate_limit_pause_max",
    "block_after_refusals",
    "block_cooldown",
    "block_cooldown_max",
    "redirect_window",
    "max_redirect_hops",
    "cdx_page_size",
}


@dataclass(frozen=True)
class ScheduleSettings:
    poll_interval: timedelta = timedelta(hours=24)
    check_interval: timedelta = timedelta(minutes=1)  # how often the daemon looks for due policies
    delivery_interval: timedelta = timedelta(seconds=30)


@dataclass(frozen=True)
class EmailSettings:
    smtp_host: str = "localhost"
    smtp_port: int = 25
    sender: str = "policy-monitor@localhost"
    recipients: tuple[str, ...] = ()
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    retry_for: timedelta = timedelta(days=2)


@dataclass(frozen=True)
class Settings:
    database_url: str
    archive: ArchiveSettings
    schedule: ScheduleSettings
    email: EmailSettings
    policies: tuple[Policy, ...]
    path: Path | None = None
    subscriptions: tuple[SubscriptionSpec, ...] = ()  # [email] recipients first, then [[subscriptions]]
    unsubscribe_url: str | None = None  # List-Unsubscribe; "{subscription}" is replaced by its name

    def policy(self, name: str) -> Policy | None:
        return next((p for p in self.policies if p.name == name), None)


def default_config_path() -> Path:
    return Path(os.environ.get(ENV_CONFIG, "config.toml"))


def load_settings(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror or error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from error
    return parse_settings(data, env=env, source=_Source(path, text))


@dataclass(frozen=True)
class _Source:
    """Where a key stands in the file, for error messages (tomllib does not tell us)."""

    path: Path | None = None
    text: str = ""

    def where(self, table: str, key: str, index: int | None = None) -> str:
        name = f"{table}[{index}].{key}" if index is not None else f"{table}.{key}" if table else key
        line = self._line_of(table, key, index)
        location = f"{self.path}, line {line}" if line else str(self.path or "config")
        return f"{location}: {name}"

    def _line_of(self, table: str, key: str, index: int | None) -> int | None:
        header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*$")
        seen, inside = -1, not table
        for number, line in enumerate(self.text.splitlines(), start=1):
            if header.match(line):
                seen += 1
                inside = index is None or seen == index
            elif re.match(r"^\s*\[", line):
                inside = False
            elif inside and re.match(rf"^\s*{re.escape(key)}\s*=", line):
                return number
        return None


def parse_settings(data: dict[str, Any], *, env: Mapping[str, str], source: _Source | None = None) -> Settings:
    source = source or _Source()
    _reject_unknown(data, {"storage", "wayback", "schedule", "email", "policies", "subscriptions"}, "", source)
    storage = _table(data, "storage", source)
    _reject_unknown(storage, {"url"}, "storage", source)
    database_url = env.get(ENV_DATABASE_URL) or _string(
        storage, "url", "storage", source, "sqlite:///policy-monitor.db"
    )
    email = _email(_table(data, "email", source), env, source)
    implied = recipient_subscriptions(email.recipients)
    entries = data.get("subscriptions", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{source.where('', 'subscriptions')} must be an array of tables: [[subscriptions]]")
    subscriptions = parse_subscriptions(
        entries,
        lambda key, index: source.where("subscriptions", key, index),
        {s.name for s in implied},
    )
    return Settings(
        database_url=database_url,
        archive=_archive(_table(data, "wayback", source), source),
        schedule=_schedule(_table(data, "schedule", source), source),
        email=email,
        policies=_policies(data.get("policies", []), source),
        path=source.path,
        subscriptions=(*implied, *subscriptions),
        unsubscribe_url=_unsubscribe_url(_table(data, "email", source), source),
    )


def _archive(table: dict[str, Any], source: _Source) -> ArchiveSettings:
    _reject_unknown(table, _ARCHIVE_KEYS, "wayback", source)
    base_url = _string(table, "base_url", "wayback", source, DEFAULT_ARCHIVE_URL).rstrip("/")
    if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
        raise ConfigError(f"{source.where('wayback', 'base_url')} must be an http(s) URL, not {base_url!r}")
    defaults = ArchiveSettings()
    user_agent = _string(table, "user_agent", "wayback", source, defaults.user_agent)
    if "@" not in user_agent and "http" not in user_agent:
        raise ConfigError(
            f"{source.where('wayback', 'user_agent')} must name a contact (an email address or URL) "
            "so the archive's operators can reach you"
        )

    def number(key: str, default: float) -> float:
        return _positive(table, key, "wayback", source, default)

    def count(key: str, default: int, least: int = 1) -> int:
        return _count(table, key, "wayback", source, default, least)

    def seconds(key: str, default: float) -> float:
        return _duration(table, key, source, timedelta(seconds=default), table_name="wayback").total_seconds()

    return ArchiveSettings(
        base_url=base_url,
        user_agent=user_agent,
        cdx_per_minute=number("cdx_per_minute", defaults.cdx_per_minute),
        captures_per_second=number("captures_per_second", defaults.captures_per_second),
        timeout=number("timeout", defaults.timeout),
        max_capture_bytes=count("max_capture_bytes", defaults.max_capture_bytes),
        retries=count("retries", defaults.retries, least=0),
        backoff=number("backoff", defaults.backoff),
        rate_limit_pause=seconds("rate_limit_pause", defaults.rate_limit_pause),
        rate_limit_pause_max=seconds("rate_limit_pause_max", defaults.rate_limit_pause_max),
        block_after_refusals=count("block_after_refusals", defaults.block_after_refusals),
        block_cooldown=seconds("block_cooldown", defaults.block_cooldown),
        block_cooldown_max=seconds("block_cooldown_max", defaults.block_cooldown_max),
        redirect_window=_duration(table, "redirect_window", source, defaults.redirect_window, table_name="wayback"),
        max_redirect_hops=count("max_redirect_hops", defaults.max_redirect_hops, least=0),
        cdx_page_size=count("cdx_page_size", defaults.cdx_page_size),
    )


def _schedule(table: dict[str, Any], source: _Source) -> ScheduleSettings:
    _reject_unknown(table, {"poll_interval", "check_interval", "delivery_interval"}, "schedule", source)
    defaults = ScheduleSettings()
    return ScheduleSettings(
        poll_interval=_duration(table, "poll_interval", source, defaults.poll_interval),
        check_interval=_duration(table, "check_interval", source, defaults.check_interval),
        delivery_interval=_duration(table, "delivery_interval", source, defaults.delivery_interval),
    )


def _email(table: dict[str, Any], env: Mapping[str, str], source: _Source) -> EmailSettings:
    keys = {"smtp_host", "smtp_port", "sender", "recipients", "username", "starttls", "retry_for", "unsubscribe_url"}
    if "password" in table:
        raise ConfigError(f"{source.where('email', 'password')}: put the password in ${ENV_SMTP_PASSWORD}, not here")
    _reject_unknown(table, keys, "email", source)
    defaults = EmailSettings()
    recipients = table.get("recipients", [])
    if not isinstance(recipients, list) or not all(isinstance(r, str) and _EMAIL.match(r) for r in recipients):
        raise ConfigError(f"{source.where('email', 'recipients')} must be a list of email addresses")
    sender = _string(table, "sender", "email", source, defaults.sender)
    if not _EMAIL.match(sender):
        raise ConfigError(f"{source.where('email', 'sender')} must be an email address, not {sender!r}")
    port = table.get("smtp_port", defaults.smtp_port)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ConfigError(f"{source.where('email', 'smtp_port')} must be a port number, not {port!r}")
    starttls = table.get("starttls", False)
    if not isinstance(starttls, bool):
        raise ConfigError(f"{source.where('email', 'starttls')} must be true or false")
    username = table.get("username")
    if username is not None and not isinstance(username, str):
        raise ConfigError(f"{source.where('email', 'username')} must be a string")
    return EmailSettings(
        smtp_host=_string(table, "smtp_host", "email", source, defaults.smtp_host),
        smtp_port=port,
        sender=sender,
        recipients=tuple(recipients),
        username=username,
        password=env.get(ENV_SMTP_PASSWORD) or None,
        starttls=starttls,
        retry_for=_duration(table, "retry_for", source, defaults.retry_for, table_name="email"),
    )


def _unsubscribe_url(table: dict[str, Any], source: _Source) -> str | None:
    value = table.get("unsubscribe_url")
    if value is None:
        return None
    if not isinstance(value, str) or urlsplit(value).scheme not in ("https", "http", "mailto"):
        raise ConfigError(f"{source.where('email', 'unsubscribe_url')} must be an https or mailto URL")
    return value


def _policies(entries: Any, source: _Source) -> tuple[Policy, ...]:
    if not isinstance(entries, list):
        raise ConfigError(f"{source.where('', 'policies')} must be an array of tables: [[policies]]")
    policies: list[Policy] = []
    for index, entry in enumerate(entries):
        policy = _policy(entry, index, source)
        if any(p.name == policy.name for p in policies):
            raise ConfigError(f"{source.where('policies', 'name', index)}: {policy.name!r} is used twice")
        policies.append(policy)
    return tuple(policies)


def _policy(entry: Any, index: int, source: _Source) -> Policy:
    if not isinstance(entry, dict):
        raise ConfigError(f"{source.where('', 'policies')}: entry {index} must be a table")
    unknown = set(entry) - {"name", "url", "site", "select", "remove", "alert_on"}
    if unknown:
        raise ConfigError(f"{source.where('policies', sorted(unknown)[0], index)} is not a known key")
    for key in ("name", "url"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ConfigError(f"{source.where('policies', key, index)} is required and must be a non-empty string")
    url = entry["url"].strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{source.where('policies', 'url', index)} must be an http(s) URL, not {url!r}")
    site = entry.get("site", parts.hostname.removeprefix("www."))
    if not isinstance(site, str) or not site:
        raise ConfigError(f"{source.where('policies', 'site', index)} must be a non-empty string")
    return Policy(
        name=entry["name"].strip(),
        url=url,
        site=site,
        select=_selectors(entry, "select", index, source),
        remove=_selectors(entry, "remove", index, source),
        alert_on=_alert_classes(entry, index, source),
    )


def _alert_classes(entry: dict[str, Any], index: int, source: _Source) -> frozenset[VersionClass]:
    """Which kinds of new version alert for this policy (default: substantive ones only)."""
    value = entry.get("alert_on", [VersionClass.SUBSTANTIVE.value])
    known = [c.value for c in VersionClass]
    if not isinstance(value, list) or not all(v in known for v in value):
        where = source.where("policies", "alert_on", index)
        raise ConfigError(f"{where} must be a list of version classes from: {', '.join(known)}")
    return frozenset(VersionClass(v) for v in value)


def _selectors(entry: dict[str, Any], key: str, index: int, source: _Source) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{source.where('policies', key, index)} must be a list of CSS selectors")
    if value:
        import soupsieve  # a tenth of a second to import; most configs name no selectors

    for selector in value:
        try:
            soupsieve.compile(selector)
        except soupsieve.SelectorSyntaxError as error:
            where, message = source.where("policies", key, index), str(error).splitlines()[0]
            raise ConfigError(f"{where}: {selector!r} is not a CSS selector: {message}") from error
    return tuple(value)


def _table(data: dict[str, Any], name: str, source: _Source) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{source.where('', name)} must be a table: [{name}]")
    return value


def _reject_unknown(table: dict[str, Any], known: set[str], name: str, source: _Source) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{source.where(name, unknown[0])} is not a known key (known: {', '.join(sorted(known))})")


def _string(table: dict[str, Any], key: str, name: str, source: _Source, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{source.where(name, key)} must be a non-empty string")
    return value.strip()


def _positive(table: dict[str, Any], key: str, name: str, source: _Source, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{source.where(name, key)} must be a positive number, not {value!r}")
    return float(value)


def _count(table: dict[str, Any], key: str, name: str, source: _Source, default: int, least: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ConfigError(f"{source.where(name, key)} must be a whole number of at least {least}, not {value!r}")
    return value


def _duration(
    table: dict[str, Any], key: str, source: _Source, default: timedelta, *, table_name: str = "schedule"
) -> timedelta:
    """A duration written "90s", "15m", "24h" or "7d"."""
    value = table.get(key)
    if value is None:
        return default
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(
            f'{source.where(table_name, key)} must be a duration like "30m", "24h" or "7d", not {value!r}'
        )
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
