"""The ``ChangeNotice`` of a stored change: what an alert about it says, before any subscriber's filter."""

from __future__ import annotations

from monitor.alerts.email_render import ChangeNotice
from storage.changes import change_of
from storage.schema import ChangeRecord, PolicyRecord


def notice_for(record: ChangeRecord, policy: PolicyRecord, *, archive_url: str) -> ChangeNotice:
    return ChangeNotice(
        policy_name=policy.name,
        policy_url=policy.url,
        old_timestamp=record.old_version.timestamp,
        new_timestamp=record.new_version.timestamp,
        change=change_of(record),
        archive_url=archive_url,
        change_id=record.id,
        reverted_to_timestamp=record.reverted_to_version.timestamp if record.reverted_to_version else None,
        old_number=record.old_version.number,
        new_number=record.new_version.number,
        reverted_to_number=record.reverted_to_version.number if record.reverted_to_version else None,
    )
