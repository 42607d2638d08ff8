"""Answers to history questions, as plain JSON-ready values for the CLI to print."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from jobs.dates import UsageError
from jobs.flapping import policy_flapping
from jobs.section_lookup import find_section, followed_sections
from monitor.alerts.email_render import section_text, words_changed
from monitor.compare.changes import change_as_dict, compare
from monitor.compare.flapping import MIN_REVERTS
from monitor.extract.reference_format import render_reference
from monitor.models import Change, timestamp_to_datetime
from storage import queries
from storage.schema import AlertRecord, ChangeRecord, PolicyRecord, SectionChangeRecord, VersionRecord
from storage.versions import version_of

Moment = datetime | int  # a date, or a version's number within its policy (v1 is 1)


DEFAULT_STALE_AFTER = timedelta(days=180)


def require_policy(session: Session, name: str) -> PolicyRecord:
    policy = queries.policy_by_name(session, name)
    if policy is None:
        known = ", ".join(queries.policy_names(session)) or "none yet"
        raise UsageError(f"no policy named {name!r} (known: {known})")
    return policy


def policy_list(
    session: Session, *, stale_after: timedelta = DEFAULT_STALE_AFTER, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Each active policy with its counts, poll times, and what is amiss: a page that flaps (``unstable``), one the
    archive never captured or has not for ``stale_after`` (``stale``)."""
    flapping_ones = queries.policies_with_reverts(session, at_least=MIN_REVERTS)
    now = now or datetime.now(UTC)
    return [
        {
            "name": s.policy.name,
            "url": s.policy.url,
            "site": s.policy.site,
            "versions": s.versions,
            "captures": s.captures,
            "latest_version_at": _iso(s.latest_version_at),
            "last_polled_at": _iso(s.policy.last_polled_at),
            "next_poll_at": _iso(s.policy.next_poll_at),
            "last_error": s.policy.last_error,
            "unstable": _unstable(session, s.policy.id) if s.policy.id in flapping_ones else None,
            "stale": _stale(s, stale_after, now),
        }
        for s in queries.policy_summaries(session)
    ]


def _stale(summary: queries.PolicySummary, stale_after: timedelta, now: datetime) -> str | None:
    """``never captured by the archive`` once a poll found nothing; ``no capture since …`` past ``stale_after``."""
    if summary.latest_capture is None:
        return "never captured by the archive" if summary.policy.last_polled_at is not None else None
    latest = timestamp_to_datetime(summary.latest_capture)
    if now - latest <= stale_after:
        return None
    return f"no capture since {latest:%Y-%m-%d} ({(now - latest).days} days; stale after {stale_after.days})"


def _unstable(session: Session, policy_id: int) -> str | None:
    found = policy_flapping(session, policy_id)
    return found.describe() if found else None


def version_history(session: Session, name: str) -> list[dict[str, Any]]:
    policy = require_policy(session, name)
    changes = queries.changes_by_new_version(session, policy.id)
    rows: list[dict[str, Any]] = []
    for version in queries.versions(session, policy.id):
        change = changes.get(version.id)
        moved = bool(rows) and _same_page(rows[-1]["url"]) != _same_page(version.original_url)
        rows.append(
            {
                **_version_ref(version),
                "url": version.original_url,
                "url_changed": moved,  # first seen at another address than the version before
                "title": version.title,
                "version_class": change.version_class if change else "first",
                "reverted_to": _reverted_to(change),
                "sections": [_section_summary(s) for s in change.sections] if change else [],
            }
        )
    return rows


def _same_page(url: str) -> str:
    """An address as far as telling pages apart goes: scheme, ``www.`` and a trailing slash aside."""
    bare = url.split("://", 1)[-1].lower()
    return bare.removeprefix("www.").rstrip("/")


def capture_history(session: Session, name: str) -> list[dict[str, Any]]:
    policy = require_policy(session, name)
    numbers = {v.id: v.number for v in queries.versions(session, policy.id)}
    return [
        {
            "timestamp": c.timestamp,
            "captured_at": _iso(timestamp_to_datetime(c.timestamp)),
            "digest": c.digest,
            "outcome": c.outcome,
            "reason": c.reason,
            "version": numbers.get(c.version_id) if c.version_id is not None else None,
            "version_id": c.version_id,
        }
        for c in queries.captures(session, policy.id)
    ]


@dataclass(frozen=True)
class ShownVersion:
    version: dict[str, Any]
    markdown: str  # the reference format: header line, "# title", body
    kept_documents: tuple[str, ...] = ()  # on a page holding several documents, those this version holds


def show_version(session: Session, name: str, at: Moment | None, *, archive_url: str) -> ShownVersion:
    policy = require_policy(session, name)
    record = _version_in_force(session, policy, at)
    version = version_of(record)
    document = render_reference(
        version.document,
        site=policy.site,
        timestamp=version.timestamp,
        original_url=version.original_url,
        archive_url=archive_url,
    )
    return ShownVersion(version=_version_ref(record), markdown=document, kept_documents=version.document.kept_documents)


def diff_versions(session: Session, name: str, since: Moment | None, until: Moment | None) -> dict[str, Any]:
    """Section changes between the version in force at ``since`` (default: the one before) and at ``until``
    (each a date or a version number)."""
    policy = require_policy(session, name)
    new = _version_in_force(session, policy, until)
    if since is not None:
        old = _version_in_force(session, policy, since)
    else:
        earlier = [v for v in queries.versions(session, policy.id) if v.captured_at < new.captured_at]
        if not earlier:
            only = {"old": None, "new": _version_ref(new), "version_class": None, "reverted_to": None}
            return {"policy": policy.name, **only, "sections": []}
        old = earlier[-1]
    result: dict[str, Any] = {"policy": policy.name, "old": _version_ref(old), "new": _version_ref(new)}
    if old.id == new.id:
        return {**result, "version_class": None, "reverted_to": None, "sections": []}
    compared = shown_change(compare(old.markdown, new.markdown).change)
    stored = queries.change_between(session, old.id, new.id)  # consecutive: its class knows reverts too
    if stored is not None:
        compared["version_class"] = stored.version_class
    return {**result, **compared, "reverted_to": _reverted_to(stored)}


def shown_change(change: Change) -> dict[str, Any]:
    """``change_as_dict``, each section change with its diff as a reader is shown it (``shown``, the whole of it)
    and whether its words changed (``words_changed``), markup and link targets aside."""
    result = change_as_dict(change)
    for shown, section in zip(result["sections"], change.sections, strict=True):
        shown["shown"] = section_text(section, limit=None)
        shown["words_changed"] = words_changed(section)
    return result


def changes_since(session: Session, since: datetime | None) -> list[dict[str, Any]]:
    return [_change_json(change, name) for change, name in queries.changes_since(session, since)]


def _change_json(change: ChangeRecord, name: str) -> dict[str, Any]:
    return {
        "id": change.id,
        "policy": name,
        "version_class": change.version_class,
        "reverted_to": _reverted_to(change),
        "alerted": change.alertable,
        "old": _version_ref(change.old_version),
        "new": _version_ref(change.new_version),
        "sections": [_section_summary(s) for s in change.sections],
    }


def _version_in_force(session: Session, policy: PolicyRecord, at: Moment | None) -> VersionRecord:
    """The version in force at a date, the version numbered ``at`` (an int), or the latest."""
    if isinstance(at, int):
        return _numbered_version(session, policy, at)
    version = queries.version_at(session, policy.id, at) if at else queries.latest_version(session, policy.id)
    if version is None:
        when = f" on or before {at:%Y-%m-%d %H:%M:%S} UTC" if at else ""
        raise UsageError(f"no stored version of {policy.name!r}{when}")
    return version


def _numbered_version(session: Session, policy: PolicyRecord, number: int) -> VersionRecord:
    version = queries.version_numbered(session, policy.id, number)
    if version is None:
        numbers = [v.number for v in queries.versions(session, policy.id)]
        known = f"v{min(numbers)} to v{max(numbers)}" if numbers else "none yet"
        raise UsageError(f"{policy.name!r} has no version v{number} (versions: {known})")
    return version


def _reverted_to(change: ChangeRecord | None) -> dict[str, Any] | None:
    """The earlier version a reverted one returns to."""
    earlier = change.reverted_to_version if change else None
    return _version_ref(earlier) if earlier else None


def _version_ref(version: VersionRecord) -> dict[str, Any]:
    """A version as every answer names it: ``number`` (v1, v2, … within its policy) is the one to show; ``id`` is
    the database row's."""
    return {
        "number": version.number,
        "id": version.id,
        "timestamp": version.timestamp,
        "captured_at": _iso(version.captured_at),
    }


def _section_summary(section: SectionChangeRecord) -> dict[str, Any]:
    """A stored section change in the JSON shape of ``monitor.compare.changes.change_as_dict``."""
    return {
        "kind": section.kind,
        "old_path": section.old_path,
        "new_path": section.new_path,
        "old_paths": [section.old_path] if section.old_path else [],
        "new_paths": [section.new_path] if section.new_path else [],
        "words": [{"op": kind, "text": text} for kind, text in section.words],
    }


def _iso(value: datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat().replace("+00:00", "Z") if value else None


def alert_status(session: Session) -> dict[str, Any]:
    failed = queries.alerts(session, status="failed")
    retrying = [a for a in queries.alerts(session, status="pending") if a.last_error]
    return {
        "counts": queries.alert_counts(session),
        "failed": [_alert_row(a) for a in failed],
        "retrying": [_alert_row(a) | {"next_attempt_at": _iso(a.next_attempt_at)} for a in retrying],
    }


def _alert_row(alert: AlertRecord) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kind": alert.kind,
        "recipient": alert.recipient,
        "channel": alert.channel,
        "attempts": alert.attempts,
        "error": alert.last_error,
    }


def archive_blocks(session: Session) -> list[dict[str, Any]]:
    """Firewall cool-downs the archive imposed that are still running, per machine."""
    return [
        {
            "host": b.host,
            "machine": b.machine,
            "blocked_until": _iso(b.blocked_until),
            "block_number": b.repeats + 1,  # in a row: each cool-down twice the one before
            "since": _iso(b.recorded_at),
        }
        for b in queries.archive_blocks(session, now=datetime.now(UTC))
    ]


def section_tree(session: Session, name: str, at: Moment | None) -> dict[str, Any]:
    """The sections of the version in force at ``at`` (default: the latest), with their stable ids."""
    policy = require_policy(session, name)
    version = _version_in_force(session, policy, at)
    sections = [
        {"id": s.section_id, "path": s.path, "level": s.level} for s in queries.version_sections(session, version.id)
    ]
    return {"policy": policy.name, "version": _version_ref(version), "sections": sections}


def section_changes(session: Session, name: str, section: str) -> dict[str, Any]:
    """Every change of one section, found by its id, a path it had or the end of one, through renames and moves,
    and through a period when the page showed it twice (its copies are followed as one)."""
    policy = require_policy(session, name)
    section_id = find_section(session, policy, section)
    followed = followed_sections(session, policy, section_id)
    events = [
        {
            "captured_at": _iso(event.captured_at),
            "change_id": event.change.id,
            "old": _version_ref(event.old),
            "new": _version_ref(event.new),
            "version_class": event.change.version_class,
            "section_id": event.section.section_id,
            **_section_summary(event.section),
        }
        for event in queries.section_history(session, followed)
    ]
    return {"policy": policy.name, "section_id": section_id, "followed": followed, "changes": events}
