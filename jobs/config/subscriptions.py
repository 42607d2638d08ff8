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

from pydantic import ValidationError

from jobs.config.source import ConfigSource, message_of, one_line
from jobs.config.tables import SubscriptionEntry
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


def config_subscriptions(
    entries: list[SubscriptionEntry], taken: set[str], source: ConfigSource, data: dict[str, Any]
) -> list[SubscriptionSpec]:
    """Every ``[[subscriptions]]`` entry as a subscription; ``taken`` holds names already in use (recipients)."""
    specs: list[SubscriptionSpec] = []
    for index, entry in enumerate(entries):

        def where(key: str, index: int = index) -> str:
            return source.where(("subscriptions", index, key), data)

        spec = subscription_from_entry(entry, where)
        if spec.name in taken:
            raise ConfigError(f"{where('name')}: {spec.name!r} is used twice (recipients count too)")
        taken.add(spec.name)
        specs.append(spec)
    return specs


def subscription_from_options(options: dict[str, Any], where: Callable[[str], str]) -> SubscriptionSpec:
    """One subscription from ``policy-monitor subscribe``'s options, checked as a config entry is."""
    try:
        entry = SubscriptionEntry.model_validate(options)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        key = next((str(part) for part in detail["loc"] if isinstance(part, str)), "name")
        raise ConfigError(one_line(where(key), message_of(detail))) from None
    return subscription_from_entry(entry, where)


def subscription_from_entry(entry: SubscriptionEntry, where: Callable[[str], str]) -> SubscriptionSpec:
    """One subscription from its validated keys: exactly one target, its secret variable, rules that compile."""
    given = [key for key in _TARGETS if getattr(entry, key) is not None]
    if len(given) != 1:
        raise ConfigError(f"{where('email')}: give exactly one of email, webhook or apprise_env")
    key = given[0]
    channel, target = _TARGETS[key], getattr(entry, key)
    try:
        _check_target(channel, target, entry.secret_env)
        return SubscriptionSpec(
            name=entry.name or target,
            channel=channel.value,
            target=target,
            secret_env=entry.secret_env,
            policies=parse_policies(entry.policies),
            sections=compile_section_filter(entry.sections).pattern if entry.sections is not None else None,
            alert_on=_classes(entry.alert_on),
            mode=parse_mode(entry.mode).value,
        )
    except SubscriptionError as error:
        about = _key_of(str(error), key)
        message = str(error).removeprefix(f"{about}: ").removeprefix(f"{about} ")
        raise ConfigError(one_line(where(about), message)) from error


def _check_target(channel: ChannelKind, target: str, secret_env: str | None) -> None:
    if channel is ChannelKind.APPRISE:
        _env_name(target, "apprise_env")
    else:
        validate_target(channel, target)
    if channel is ChannelKind.WEBHOOK:
        _env_name(secret_env, "secret_env")  # an unsigned webhook is a forgery waiting to happen
    elif secret_env is not None:
        raise SubscriptionError("secret_env is only for webhook subscriptions")


def _env_name(value: str | None, key: str) -> None:
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        raise SubscriptionError(f"{key} must name an environment variable, not {value!r}")


def _classes(value: list[str] | None) -> tuple[str, ...] | None:
    return tuple(sorted(c.value for c in parse_version_classes(value))) if value is not None else None


def _key_of(message: str, target_key: str) -> str:
    """The key an error from the validators is about (they do not say it in a fixed place)."""
    for key in ("secret_env", "apprise_env", "sections", "alert_on", "policies", "mode", "name"):
        if message.startswith(key) or f" {key} " in message:
            return key
    return "alert_on" if "version class" in message else target_key
