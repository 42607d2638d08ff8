"""Rebuild a policy's versions from the snapshots we hold, after the extractor (or a policy's selectors) changed.

Nothing is fetched. Old versions are marked superseded rather than deleted: alerts already sent point at
them. Changes found by a rebuild are history, never alerted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from jobs.app import App
from jobs.store_version import ParsedVersion, new_version, store_version_text
from monitor.errors import NotExtractable
from monitor.extract.pipeline import EXTRACTOR_VERSION, extract_document
from monitor.models import CaptureOutcome, Document, Policy, Version
from storage import queries
from storage.captures import relink_capture
from storage.schema import CaptureRecord, PolicyRecord, VersionRecord
from storage.versions import add_version, mark_extractor_version, supersede_versions


@dataclass
class ReextractReport:
    policy: str
    captures: int = 0
    versions_before: int = 0
    versions_after: int = 0
    changed: int = 0  # versions whose text is not what was stored for the same capture
    rebuilt: bool = False


@dataclass
class _Link:
    """One version of the rebuilt chain and the captures that show it."""

    version: Version
    capture_ids: list[int] = field(default_factory=list)


@dataclass
class _Rebuild:
    chain: list[_Link] = field(default_factory=list)
    failures: dict[int, str] = field(default_factory=dict)  # capture id -> why it is not extractable


def reextract(app: App, names: tuple[str, ...] = ()) -> list[ReextractReport]:
    """Re-extract the named policies, or every tracked one."""
    with app.database.reader() as session:
        records = [s.policy for s in queries.policy_summaries(session) if not names or s.policy.name in names]
    reports = []
    for record in records:
        settings = app.settings.policy(record.name)
        if settings is not None:
            reports.append(reextract_policy(app, record, settings))
    return reports


def reextract_policy(app: App, record: PolicyRecord, settings: Policy) -> ReextractReport:
    """One transaction per policy: its versions are rebuilt whole or not at all."""
    report = ReextractReport(policy=record.name)
    with app.database.transaction() as session:
        captures = queries.captures_with_snapshots(session, record.id)
        old = queries.versions(session, record.id)
        rebuild = _rebuild(session, captures, settings)
        report.captures = len(captures)
        report.versions_before, report.versions_after = len(old), len(rebuild.chain)
        old_texts = {(v.timestamp, v.markdown) for v in old}
        report.changed = sum((link.version.timestamp, link.version.markdown) not in old_texts for link in rebuild.chain)
        unchanged_outcomes = all(
            (c.outcome == CaptureOutcome.NOT_EXTRACTABLE) == (c.id in rebuild.failures) for c in captures
        )
        if report.changed == 0 and len(old) == len(rebuild.chain) and unchanged_outcomes:
            mark_extractor_version(session, record.id, EXTRACTOR_VERSION)  # read the same: nothing to rebuild
            return report
        _store(session, record.id, captures, rebuild, old)
        report.rebuilt = True
    return report


def _rebuild(session: Session, captures: list[CaptureRecord], settings: Policy) -> _Rebuild:
    rebuild = _Rebuild()
    for capture in captures:
        assert capture.snapshot_id is not None
        held = queries.snapshot(session, capture.snapshot_id)
        try:
            document = extract_document(
                held.content,
                content_type=held.content_type,
                select=settings.select,
                remove=settings.remove,
                url=settings.url,
            )
        except NotExtractable as error:
            rebuild.failures[capture.id] = error.reason
            continue
        _append(rebuild, capture, document)
    return rebuild


def _append(rebuild: _Rebuild, capture: CaptureRecord, document: Document) -> None:
    timestamp = capture.served_timestamp or capture.timestamp
    version = new_version(document, timestamp=timestamp, original_url=capture.original_url)
    if rebuild.chain and rebuild.chain[-1].version.text_hash == version.text_hash:
        rebuild.chain[-1].capture_ids.append(capture.id)
    else:
        rebuild.chain.append(_Link(version=version, capture_ids=[capture.id]))


def _store(
    session: Session, policy_id: int, captures: list[CaptureRecord], rebuild: _Rebuild, old: list[VersionRecord]
) -> None:
    """The rebuilt chain stored over the ``old`` one."""
    superseded = {v.id: v.markdown for v in old}
    numbers = _kept_numbers(rebuild.chain, {c.id: c.version_id for c in captures}, {v.id: v.number for v in old})
    supersede_versions(session, policy_id, now=datetime.now(UTC))
    by_id = {capture.id: capture for capture in captures}
    seen: dict[str, int] = {}  # text hash -> newest version id with it, to name reverts
    previous: ParsedVersion | None = None
    for position, link in enumerate(rebuild.chain):
        version_id = add_version(session, policy_id, link.version, number=numbers.get(position))
        stored = store_version_text(
            session,
            policy_id,
            version=(version_id, link.version.markdown),
            previous=previous,
            reverted_to=seen.get(link.version.text_hash),
            alert_on=None,
            earlier=_earlier(by_id[link.capture_ids[0]], superseded),
        )
        seen[link.version.text_hash] = version_id
        previous = stored.version
        for capture_id in link.capture_ids:
            _relink(session, by_id[capture_id], version_id)
    for capture_id, reason in rebuild.failures.items():
        relink_capture(session, capture_id, outcome=CaptureOutcome.NOT_EXTRACTABLE, reason=reason, version_id=None)


def _kept_numbers(chain: list[_Link], shown_by: dict[int, int | None], old_numbers: dict[int, int]) -> dict[int, int]:
    """Position in the rebuilt chain -> the number it keeps: that of the old version that showed its first capture
    (``shown_by``: capture id -> old version id), the same version in time, unless an earlier link kept it
    already. The others get new numbers: a number is never given to a version it did not name."""
    kept: dict[int, int] = {}
    for position, link in enumerate(chain):
        old_id = shown_by.get(link.capture_ids[0])
        number = old_numbers.get(old_id) if old_id is not None else None
        if number is not None and number not in kept.values():
            kept[position] = number
    return kept


def _earlier(capture: CaptureRecord, superseded: dict[int, str]) -> tuple[int, str] | None:
    """The superseded version that showed this capture (before the relink), to lend its section ids."""
    version_id = capture.version_id
    return (version_id, superseded[version_id]) if version_id in superseded else None


def _relink(session: Session, capture: CaptureRecord, version_id: int) -> None:
    # A snapshot that was not extractable before and is now was fetched and stored all the same.
    outcome = capture.outcome if capture.outcome != CaptureOutcome.NOT_EXTRACTABLE else CaptureOutcome.STORED
    relink_capture(session, capture.id, outcome=outcome, reason=None, version_id=version_id)
