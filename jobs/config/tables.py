"""The keys of config.toml, declared once: type, bounds, default and help of each, one model per table.

Every string is stripped, non-empty and free of control characters; every number is finite and bounded; every
duration is written "90s", "15m", "24h" or "7d" and lies between a second and a year. Unknown keys are errors.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    field_validator,
)

from monitor.alerts.channels import CHANNELS
from monitor.models import DEFAULT_ALERT_ON, VersionClass
from monitor.wayback.settings import DEFAULT_ARCHIVE_URL, ArchiveSettings

ENV_SMTP_PASSWORD = "POLICY_MONITOR_SMTP_PASSWORD"
MAX_DURATION = timedelta(days=365)
_DURATION = re.compile(r"^\s*(\d{1,12}(?:\.\d{1,9})?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_ARCHIVE = ArchiveSettings()


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(f"must not hold control characters (line breaks, tabs...), not {value!r}")
    return value


def _duration(value: Any) -> timedelta:
    """A duration written "90s", "15m", "24h" or "7d"; a ``timedelta`` (a default) passes as it is."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(value) if isinstance(value, str) else None
    seconds = float(match.group(1)) * _UNITS[match.group(2)] if match else 0.0
    if not 0 < seconds <= MAX_DURATION.total_seconds():  # checked before timedelta() can overflow
        raise ValueError(f'must be a duration like "30m", "24h" or "7d", at most 365d, not {value!r}')
    return timedelta(seconds=seconds)


def _email_address(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"must be an email address, not {value!r}")
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http(s) URL, not {value!r}")
    return value


Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, strict=True), AfterValidator(_no_control_characters)
]
Duration = Annotated[timedelta, BeforeValidator(_duration)]
Email = Annotated[Text, AfterValidator(_email_address)]
HttpUrl = Annotated[Text, AfterValidator(_http_url)]


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class StorageTable(Table):
    url: Text = Field(
        "sqlite:///policy-monitor.db", description="any SQLAlchemy URL; $POLICY_MONITOR_DATABASE_URL wins"
    )


class WaybackTable(Table):
    base_url: HttpUrl = Field(DEFAULT_ARCHIVE_URL, description="CDX at {base_url}/cdx/search/cdx, captures below /web/")
    user_agent: Text = Field(_ARCHIVE.user_agent, description="names you: a contact (email address or URL) is required")
    cdx_per_minute: float = Field(_ARCHIVE.cdx_per_minute, gt=0, le=60_000, allow_inf_nan=False, strict=True)
    captures_per_second: float = Field(_ARCHIVE.captures_per_second, gt=0, le=1000, allow_inf_nan=False, strict=True)
    timeout: float = Field(_ARCHIVE.timeout, gt=0, le=3600, allow_inf_nan=False, strict=True, description="seconds")
    request_deadline: float = Field(
        _ARCHIVE.request_deadline,
        gt=0,
        le=86400,
        allow_inf_nan=False,
        strict=True,
        description="seconds for a whole request, connect to last byte",
    )
    max_capture_bytes: int = Field(_ARCHIVE.max_capture_bytes, ge=1, le=2**31, strict=True)
    retries: int = Field(_ARCHIVE.retries, ge=0, le=20, strict=True, description="for refused connections and 5xx")
    backoff: float = Field(_ARCHIVE.backoff, gt=0, le=3600, allow_inf_nan=False, strict=True)
    rate_limit_pause: Duration = Field(timedelta(seconds=_ARCHIVE.rate_limit_pause), description="after a 429")
    rate_limit_pause_max: Duration = timedelta(seconds=_ARCHIVE.rate_limit_pause_max)
    block_after_refusals: int = Field(_ARCHIVE.block_after_refusals, ge=1, le=1000, strict=True)
    block_cooldown: Duration = Field(timedelta(seconds=_ARCHIVE.block_cooldown), description="after a firewall block")
    block_cooldown_max: Duration = timedelta(seconds=_ARCHIVE.block_cooldown_max)
    redirect_window: Duration = Field(_ARCHIVE.redirect_window, description="nearest capture accepted within this")
    max_redirect_hops: int = Field(_ARCHIVE.max_redirect_hops, ge=0, le=50, strict=True)
    cdx_page_size: int = Field(_ARCHIVE.cdx_page_size, ge=1, le=150_000, strict=True)

    @field_validator("user_agent")
    @classmethod
    def _names_a_contact(cls, value: str) -> str:
        if "@" not in value and "http" not in value:
            raise ValueError("must name a contact (an email address or URL) so the archive's operators can reach you")
        return value


class ScheduleTable(Table):
    poll_interval: Duration = Field(timedelta(hours=24), description="how often each policy is checked")
    check_interval: Duration = Field(timedelta(minutes=1), description="how often the daemon looks for due policies")
    delivery_interval: Duration = Field(timedelta(seconds=30), description="how often queued alerts are sent")
    stale_after: Duration = Field(timedelta(days=180), description="a policy not captured this long is shown stale")


class EmailTable(Table):
    smtp_host: Text = "localhost"
    smtp_port: int = Field(25, ge=1, le=65535, strict=True)
    sender: Email = "policy-monitor@localhost"
    recipients: list[Email] = Field(default_factory=list, description="each hears of every change at once")
    username: Text | None = Field(None, description="the password only from $POLICY_MONITOR_SMTP_PASSWORD")
    password: None = Field(None, description="refused: a secret stays in the environment", exclude=True)
    starttls: bool = False
    retry_for: Duration = Field(timedelta(days=2), description="give up on an alert refused this long")
    unsubscribe_url: Text | None = Field(None, description='List-Unsubscribe; "{subscription}" is its name')

    @field_validator("password", mode="before")
    @classmethod
    def _password_stays_in_the_environment(cls, value: Any) -> None:
        raise ValueError(f"put the password in ${ENV_SMTP_PASSWORD}, not here")

    @field_validator("unsubscribe_url")
    @classmethod
    def _an_unsubscribe_address(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("https", "http", "mailto"):
            raise ValueError("must be an https or mailto URL")
        return value


class PolicyEntry(Table):
    name: Text = Field(description="how the policy is named everywhere; unique")
    url: HttpUrl = Field(
        description="the policy's address as the archive knows it; a #fragment names one document of a page of several"
    )
    site: Text | None = Field(None, description="the site named in alerts; default: the URL's host without www.")
    select: list[Text] = Field(default_factory=list, description="CSS selectors of the policy text")
    remove: list[Text] = Field(default_factory=list, description="CSS selectors to drop before extracting")
    renamed_from: Text | None = Field(
        None, description="the name the policy had: its history and subscriptions follow it to the new name"
    )
    alert_on: list[str] = Field(
        default_factory=lambda: sorted(c.value for c in DEFAULT_ALERT_ON), description="version classes that alert"
    )

    @field_validator("select", "remove")
    @classmethod
    def _css_selectors(cls, value: list[str]) -> list[str]:
        if value:
            import soupsieve  # a tenth of a second to import; most configs name no selectors

        for selector in value:
            try:
                soupsieve.compile(selector)
            except soupsieve.SelectorSyntaxError as error:
                raise ValueError(f"{selector!r} is not a CSS selector: {str(error).splitlines()[0]}") from None
        return value

    @field_validator("alert_on", mode="before")
    @classmethod
    def _version_classes(cls, value: Any) -> Any:
        known = [c.value for c in VersionClass]
        if not isinstance(value, list) or not all(v in known for v in value):
            raise ValueError(f"must be a list of version classes from: {', '.join(known)}")
        return value


class SubscriptionRules(Table):
    """One ``[[subscriptions]]`` entry, or the options of ``policy-monitor subscribe``, but for its target."""

    name: Text | None = Field(None, description="default: the email address, webhook URL or variable")
    secret_env: Text | None = Field(None, description="the environment variable holding the webhook's HMAC key")
    policies: Text | list[Text] = Field("all", description='"all", or policy names and globs')
    sections: str | None = Field(None, description="a regular expression the changed sections must match")
    alert_on: list[Text] | None = Field(None, description="version classes that alert; default: each policy's")
    mode: Text = Field("immediate", description="immediate, daily or weekly")


if TYPE_CHECKING:
    SubscriptionEntry = SubscriptionRules
else:
    # Exactly one target key, each named by its channel: a new channel brings its key with it.
    SubscriptionEntry = create_model(
        "SubscriptionEntry",
        __base__=SubscriptionRules,
        __doc__="One ``[[subscriptions]]`` entry: its rules and exactly one target.",
        **{kind.target_key: (Text | None, Field(None, description=kind.target_help)) for kind in CHANNELS.values()},
    )


class ConfigFile(Table):
    """The whole file. ``policies`` comes last so that a file's other mistakes are reported first."""

    storage: StorageTable = StorageTable()
    wayback: WaybackTable = WaybackTable()
    schedule: ScheduleTable = ScheduleTable()
    email: EmailTable = EmailTable()
    subscriptions: list[SubscriptionEntry] = Field(default_factory=list)
    policies: list[PolicyEntry] = Field(min_length=1, description="at least one [[policies]] table")


TABLES: dict[str, type[Table]] = {
    "": ConfigFile,
    "storage": StorageTable,
    "wayback": WaybackTable,
    "schedule": ScheduleTable,
    "email": EmailTable,
    "policies": PolicyEntry,
    "subscriptions": SubscriptionEntry,
}
