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

import logging
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

from jobs.config.source import ConfigSource, message_of, one_line
from jobs.config.tables import SubscriptionEntry
from monitor.alerts.channels import CHANNELS, EmailChannel
from monitor.alerts.subscription_rule import (
    check_subscription,
    follow_renames,
    parse_mode,
    parse_policies,
    parse_version_classes,
    unmatched_policies,
)
from monitor.errors import ConfigError, SubscriptionError
from monitor.models import Policy, Subscription

logger = logging.getLogger(__name__)


def recipient_subscriptions(recipients: Sequence[str]) -> list[Subscription]:
    """``[email] recipients``: each address hears of every policy, immediately, as each policy's alert_on says."""
    return [Subscription(name=address, target=address, channel=EmailChannel.kind) for address in recipients]


def config_subscriptions(
    entries: list[SubscriptionEntry],
    taken: set[str],
    policies: Sequence[Policy],
    where_in: tuple[ConfigSource, dict[str, Any]],
) -> list[Subscription]:
    """Every ``[[subscriptions]]`` entry as a subscription; ``taken`` holds names already in use (recipients),
    ``policies`` those a subscription may name (by their name, or by the one they were renamed from)."""
    source, data = where_in
    policy_names = [policy.name for policy in policies]
    subscriptions: list[Subscription] = []
    for index, entry in enumerate(entries):

        def where(key: str, index: int = index) -> str:
            return source.where(("subscriptions", index, key), data)

        subscription = follow_renames(subscription_from_entry(entry, where), renames_of(policies))
        for glob in check_policies_named(subscription, policy_names, where):
            logger.warning("%s: %r matches no policy yet", where("policies"), glob)
        if subscription.name in taken:
            raise ConfigError(f"{where('name')}: {subscription.name!r} is used twice (recipients count too)")
        taken.add(subscription.name)
        subscriptions.append(subscription)
    return subscriptions


def renames_of(policies: Sequence[Policy]) -> dict[str, str]:
    """Each policy's former name (casefolded) to its name."""
    return {policy.renamed_from.casefold(): policy.name for policy in policies if policy.renamed_from}


def check_policies_named(
    subscription: Subscription, policy_names: Sequence[str], where: Callable[[str], str]
) -> list[str]:
    """Refuse a subscription naming a policy that does not exist (a typo would hear of nothing, silently);
    the globs that match no policy yet are returned, to be warned about."""
    missing, empty_globs = unmatched_policies(subscription, policy_names)
    if missing:
        known = ", ".join(policy_names) or "none"
        raise ConfigError(f"{where('policies')}: no policy named {missing[0]!r} (known: {known})")
    return empty_globs


def subscription_from_options(options: dict[str, Any], where: Callable[[str], str]) -> Subscription:
    """One subscription from ``policy-monitor subscribe``'s options, checked as a config entry is."""
    try:
        entry = SubscriptionEntry.model_validate(options)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        key = next((str(part) for part in detail["loc"] if isinstance(part, str)), "name")
        raise ConfigError(one_line(where(key), message_of(detail))) from None
    return subscription_from_entry(entry, where)


def subscription_from_entry(entry: SubscriptionEntry, where: Callable[[str], str]) -> Subscription:
    """One subscription from its validated keys: exactly one target, its secret variable, rules that compile."""
    given = [kind for kind in CHANNELS.values() if getattr(entry, kind.target_key) is not None]
    if len(given) != 1:
        keys = [kind.target_key for kind in CHANNELS.values()]
        raise ConfigError(f"{where(keys[0])}: give exactly one of {', '.join(keys[:-1])} or {keys[-1]}")
    kind = given[0]
    target = getattr(entry, kind.target_key)
    try:
        return check_subscription(
            Subscription(
                name=entry.name or target,
                target=target,
                channel=kind.kind,
                policies=parse_policies(entry.policies),
                sections=entry.sections,
                alert_on=parse_version_classes(entry.alert_on) if entry.alert_on is not None else None,
                mode=parse_mode(entry.mode),
                secret_env=entry.secret_env,
            )
        )
    except SubscriptionError as error:
        about = _key_of(str(error), kind.target_key)
        message = str(error).removeprefix(f"{about}: ").removeprefix(f"{about} ")
        raise ConfigError(one_line(where(about), message)) from error


def _key_of(message: str, target_key: str) -> str:
    """The key an error from the validators is about (they do not say it in a fixed place)."""
    keys = ("secret_env", *(kind.target_key for kind in CHANNELS.values()), "sections", "alert_on", "policies")
    for key in (*keys, "mode", "name"):
        if message.startswith(key) or f" {key} " in message:
            return key
    return "alert_on" if "version class" in message else target_key
