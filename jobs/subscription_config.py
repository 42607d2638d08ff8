"""``[[subscriptions]]`` in config.toml, and the subscriptions implied by ``[email] recipients``.

```toml
[[subscriptions]]
name = "legal"                          # default: the email address or webhook URL
email = "legal@example.org"             # or webhook = "https://...", or apprise_env = "VARIABLE"
policies = ["SOSTEC", "Face*"]          # default: "all"; names or globs, case-insensitive
sections = "sell|share|third part"      # only changes whose section paths or changed words match
alert_on = ["substantive", "reverted"]  # default: each policy's own alert_on
mode = "daily"                          # immediate (default), daily or weekly digests
```

Secrets stay in the environment: an Apprise URL (it holds tokens) is read from the variable ``apprise_env``
names, a webhook's signing secret from the one ``secret_env`` names, both when an alert is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from monitor.alerts.subscription_rule import (
    ChannelKind,
    Mode,
    compile_section_filter,
    parse_mode,
    parse_policies,
    parse_version_classes,
    validate_target,
)
from monitor.errors import ConfigError, SubscriptionError
from storage.repository import SubscriptionSpec

Where = Callable[[str, int], str]  # (key, index) -> "config.toml, line 12: subscriptions[0].key"

_KEYS = {"name", "email", "webhook", "apprise_env", "secret_env", "policies", "sections", "alert_on", "mode"}
_TARGETS = {"email": ChannelKind.EMAIL, "webhook": ChannelKind.WEBHOOK, "apprise_env": ChannelKind.APPRISE}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def recipient_subscriptions(recipients: Sequence[str]) -> list[SubscriptionSpec]:
    """``[email] recipients``: each address hears of every policy, immediately, as each policy's alert_on says."""
    return [
        SubscriptionSpec(
            name=address,
            channel=ChannelKind.EMAIL.value,
            target=address,
            secret_env=None,
            policies=("*",),
            sections=None,
            alert_on=None,
            mode=Mode.IMMEDIATE.value,
        )
        for address in recipients
    ]


def parse_subscriptions(entries: list[dict[str, Any]], where: Where, taken: set[str]) -> list[SubscriptionSpec]:
    """Every ``[[subscriptions]]`` entry, validated; ``taken`` holds names already in use (recipients)."""
    specs: list[SubscriptionSpec] = []
    for index, entry in enumerate(entries):
        spec = subscription_from_entry(entry, lambda key, i=index: where(key, i))  # type: ignore[misc]
        if spec.name in taken:
            raise ConfigError(f"{where('name', index)}: {spec.name!r} is used twice (recipients count too)")
        taken.add(spec.name)
        specs.append(spec)
    return specs


def subscription_from_entry(entry: dict[str, Any], where: Callable[[str], str]) -> SubscriptionSpec:
    """One subscription from its config keys (also how ``policy-monitor subscribe`` checks its options)."""
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ConfigError(f"{where(unknown[0])} is not a known key (known: {', '.join(sorted(_KEYS))})")
    given = [key for key in _TARGETS if key in entry]
    if len(given) != 1:
        raise ConfigError(f"{where('email')}: give exactly one of email, webhook or apprise_env")
    key = given[0]
    channel, target = _TARGETS[key], entry[key]
    try:
        _check_target(channel, target, entry.get("secret_env"))
        return SubscriptionSpec(
            name=_name(entry.get("name", target)),
            channel=channel.value,
            target=target,
            secret_env=entry.get("secret_env"),
            policies=parse_policies(entry.get("policies", "all")),
            sections=_sections(entry.get("sections")),
            alert_on=_classes(entry.get("alert_on")),
            mode=parse_mode(entry.get("mode", Mode.IMMEDIATE.value)).value,
        )
    except SubscriptionError as error:
        raise ConfigError(f"{where(_key_of(str(error), key))}: {error}") from error


def _check_target(channel: ChannelKind, target: Any, secret_env: Any) -> None:
    if channel is ChannelKind.APPRISE:
        _env_name(target, "apprise_env")
    else:
        validate_target(channel, target)
    if channel is ChannelKind.WEBHOOK:
        _env_name(secret_env, "secret_env")  # an unsigned webhook is a forgery waiting to happen
    elif secret_env is not None:
        raise SubscriptionError("secret_env is only for webhook subscriptions")


def _env_name(value: Any, key: str) -> None:
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        raise SubscriptionError(f"{key} must name an environment variable, not {value!r}")


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SubscriptionError("name must be a non-empty string")
    return value.strip()


def _sections(value: Any) -> str | None:
    return compile_section_filter(value).pattern if value is not None else None


def _classes(value: Any) -> tuple[str, ...] | None:
    return tuple(sorted(c.value for c in parse_version_classes(value))) if value is not None else None


def _key_of(message: str, target_key: str) -> str:
    """The key an error from the validators is about (they do not say it in a fixed place)."""
    for key in ("secret_env", "apprise_env", "sections", "alert_on", "policies", "mode", "name"):
        if message.startswith(key) or f" {key} " in message:
            return key
    return "alert_on" if "version class" in message else target_key
