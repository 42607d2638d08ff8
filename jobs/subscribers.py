"""Who hears of a change: the stored subscriptions, matched against it when it is stored and again when sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from sqlalchemy.orm import Session

from jobs.change_notice import notice_for
from jobs.config import Settings
from jobs.flapping import policy_flapping
from monitor.alerts.channels import EmailChannel, channel_kind
from monitor.alerts.email_message import make_message_id
from monitor.alerts.email_render import ChangeNotice
from monitor.alerts.subscription_rule import select_change, select_notice
from monitor.models import DEFAULT_ALERT_ON, AlertMode, Change, Policy, Subscription, VersionClass
from storage import queries
from storage.alerts_outbox import changes_told, queue_alert
from storage.changes import as_stored, undone_changes
from storage.installation import installation_id
from storage.schema import ChangeRecord, PolicyRecord
from storage.subscriptions import active_subscriptions, all_subscriptions, subscription_of


def mail_domain(settings: Settings) -> str:
    return parseaddr(settings.email.sender)[1].rpartition("@")[2] or "localhost"


def queue_change_alerts(session: Session, settings: Settings, policy: Policy, change_id: int, change: Change) -> int:
    """Queue one outbox row for each active subscription the change just stored concerns (after its section
    filter); returns how many."""
    # Matched as the sender will match it again, on what the tables keep of it: the two never disagree.
    kept = as_stored(change)
    undone = [c.id for c in _undone(session, change_id)] if change.version_class is VersionClass.REVERTED else []
    installation = installation_id(session)
    concerned = 0
    for stored in active_subscriptions(session):
        subscription = subscription_of(stored)
        told = bool(changes_told(session, stored.name, undone))
        if select_change(subscription, policy.name, kept, policy_alert_on=policy.alert_on, undoes_told=told) is None:
            continue
        concerned += 1
        queue_alert(
            session,
            change_id,
            recipient=label(subscription),
            channel=subscription.channel,
            message_id=alert_key(settings, subscription, change_id, installation),
            subscription_id=stored.id,
            held=subscription.mode is not AlertMode.IMMEDIATE,
        )
    return concerned


def notice_for_subscriber(
    session: Session, settings: Settings, change_id: int, subscription: Subscription | None
) -> ChangeNotice | None:
    """The change as this subscriber sees it (its sections filtered), or None if it no longer concerns them."""
    detail = queries.change_detail(session, change_id)
    if detail is None:
        return None
    change, policy = detail
    notice = notice_for(change, policy, archive_url=settings.archive.base_url)
    if subscription is None:  # queued before subscriptions existed: to its recipient, unfiltered
        return notice
    if change.reverted_to_version is not None:
        notice = replace(notice, undoes=_undone_and_told(session, change_id, subscription.name))
        if notice.undoes:
            notice = replace(notice, unstable=_unstable_with(session, change))
    return select_notice(subscription, notice, policy_alert_on=_policy_alert_on(settings, policy))


def _undone_and_told(session: Session, change_id: int, subscription_name: str) -> tuple[tuple[str, int | None], ...]:
    """The changes a revert undoes that the subscription was told of: their new versions' capture and number."""
    undone = _undone(session, change_id)
    told = set(changes_told(session, subscription_name, [c.id for c in undone]))
    return tuple((c.new_version.timestamp, c.new_version.number) for c in undone if c.id in told)


def _unstable_with(session: Session, change: ChangeRecord) -> str | None:
    """What alternates, when this revert makes its page one that flaps."""
    found = policy_flapping(
        session, change.policy_id, before=change.new_version.captured_at + timedelta(microseconds=1)
    )
    return found.describe() if found else None


def _undone(session: Session, change_id: int) -> list[ChangeRecord]:
    """The changes a revert undoes, as far as they are news: none once its page flaps (it went back and forth
    ``MIN_REVERTS`` times already), which ``list`` and ``status`` show instead of an email each time."""
    undone = undone_changes(session, change_id)
    record = session.get(ChangeRecord, change_id)
    if not undone or record is None:
        return []
    if policy_flapping(session, record.policy_id, before=record.new_version.captured_at) is not None:
        return []
    return undone


def label(subscription: Subscription) -> str:
    """Where its alerts go, as the outbox and ``status`` show it: never a secret."""
    return channel_kind(subscription.channel).label(subscription.target)


def alert_key(settings: Settings, subscription: Subscription, change_id: int, installation: str) -> str:
    # A plain recipient keeps the ids earlier versions gave but for the installation's id, so that mail clients
    # thread them with those of earlier versions while two installations never share one.
    implied = subscription.name == subscription.target and subscription.channel == EmailChannel.kind
    return make_message_id(
        change_id=change_id,
        recipient=label(subscription),
        domain=mail_domain(settings),
        subscription=None if implied else subscription.name,
        installation=installation,
    )


def _policy_alert_on(settings: Settings, policy: PolicyRecord) -> frozenset[VersionClass]:
    configured = settings.policy(policy.name)
    return configured.alert_on if configured else DEFAULT_ALERT_ON


def subscription_rows(session: Session, *, include_stopped: bool) -> list[dict[str, Any]]:
    records = all_subscriptions(session) if include_stopped else active_subscriptions(session)
    return [
        {
            "name": r.name,
            "channel": r.channel,
            "target": label(subscription_of(r)),
            "policies": list(r.policies),
            "sections": r.sections,
            "alert_on": r.alert_on,
            "mode": r.mode,
            "source": r.source,
            "active": r.active,
        }
        for r in records
    ]
