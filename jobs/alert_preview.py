"""``policy-monitor alerts preview``: the email a subscriber would get about a change, built as it is sent."""

from __future__ import annotations

from email.message import EmailMessage

from jobs.alert_content import unsubscribe_url
from jobs.app import App
from jobs.history import require_policy
from jobs.subscribers import alert_key, label, mail_domain, notice_for_subscriber
from monitor.alerts.channels import Delivery, build_message
from monitor.alerts.email_message import make_message_id
from monitor.errors import MonitorError
from storage import queries
from storage.installation import installation_id
from storage.subscriptions import subscription_by_name, subscription_of

PREVIEW_RECIPIENT = "subscriber@example.org"


def render(app: App, policy_name: str, *, change_id: int | None, subscription: str | None) -> EmailMessage:
    with app.database.reader() as session:
        policy = require_policy(session, policy_name)
        change_id = change_id if change_id is not None else queries.latest_change_id(session, policy.id)
        detail = queries.change_detail(session, change_id) if change_id is not None else None
        if change_id is None or detail is None or detail[1].id != policy.id:
            raise MonitorError(
                f"{policy.name} has no change {change_id}" if change_id else f"{policy.name} has no change yet"
            )
        record = subscription_by_name(session, subscription) if subscription else None
        if subscription and record is None:
            raise MonitorError(f"no subscription named {subscription!r} (policy-monitor subscriptions lists them)")
        chosen = subscription_of(record) if record else None
        notice = notice_for_subscriber(session, app.settings, change_id, chosen)
        if notice is None:
            raise MonitorError(f"change {change_id} of {policy.name} does not concern subscription {subscription!r}")
        target = label(chosen) if chosen else PREVIEW_RECIPIENT
        installation = installation_id(session)
        key = (
            alert_key(app.settings, chosen, change_id, installation)
            if chosen
            else make_message_id(
                change_id=change_id, recipient=target, domain=mail_domain(app.settings), installation=installation
            )
        )
    delivery = Delivery(notice, target, key, unsubscribe_url(app.settings, chosen))
    return build_message(delivery, sender=app.settings.email.sender)


def part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())
