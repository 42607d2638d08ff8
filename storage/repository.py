"""A subscription as the config or the command line gives it to ``storage.subscriptions``.

The writes that lived here are split by what they hold: ``storage.policies``, ``storage.captures``,
``storage.versions``, ``storage.changes``, ``storage.alerts_outbox``, ``storage.archive_blocks``, ``storage.claims``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SubscriptionSpec:
    name: str
    channel: str
    target: str
    secret_env: str | None
    policies: tuple[str, ...]
    sections: str | None
    alert_on: tuple[str, ...] | None
    mode: str
