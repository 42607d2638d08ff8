"""Poll one policy: captures -> snapshots -> versions -> changes -> alerts queued.

Each capture is handled in its own transaction, and the cursor moves only past captures whose outcome is
recorded, so a poll cut short (archive down, daemon stopped) resumes where it stopped on the next one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from jobs.app import App
from jobs.archive_state import save_archive_block
from jobs.reextract import reextract_policy
from jobs.store_version import new_version, parsed_version, store_version_text
from jobs.subscribers import queue_change_alerts
from monitor.compare.sections import ParsedText
from monitor.errors import ArchiveError, CaptureUnavailable, Interrupted, NotExtractable
from monitor.extract.pipeline import EXTRACTOR_VERSION, extract_document
from monitor.models import Capture, CaptureOutcome, Document, Policy
from storage import queries
from storage.captures import record_capture, store_snapshot
from storage.policies import claim_due_policies, finish_poll, mark_history_imported, release_policy
from storage.schema import PolicyRecord
from storage.versions import add_version

logger = logging.getLogger(__name__)

CLAIM_BATCH = 10
CLAIM_LEASE = timedelta(hours=2)
RETRY_FAILED_POLL = timedelta(minutes=30)


@dataclass
class PollReport:
    policy: str
    captures: int = 0
    fetched: int = 0
    duplicates: int = 0
    unavailable: int = 0
    versions: int = 0
    changes: int = 0
    alerts: int = 0
    reextracted: int = 0  # versions the extractor of this release reads differently, rebuilt before comparing
    error: str | None = None


@dataclass(frozen=True)
class _Content:
    """Bytes to extract, whether fetched now (snapshot_id None) or already held."""

    data: bytes
    content_type: str | None
    timestamp: str
    outcome: CaptureOutcome
    snapshot_id: int | None = None
    note: str | None = None  # how the archive served it, e.g. after following an archived redirect


@dataclass
class _LastStored:
    """The text of the version this poll stored last, as parsed: the next version is compared with it."""

    parsed: ParsedText | None = None


@dataclass(frozen=True)
class _Target:
    """The policy being polled: its stored row, its config, the report of this poll and its last version."""

    record: PolicyRecord
    settings: Policy
    report: PollReport
    last: _LastStored = field(default_factory=_LastStored)


def poll_due(app: App, *, names: tuple[str, ...] = (), stop: threading.Event | None = None) -> list[PollReport]:
    """Poll every due policy (or the named ones, due or not) until none is left or ``stop`` is set."""
    try:
        return _poll_batches(app, names=names, stop=stop)
    finally:
        save_archive_block(app.database, app.archive)


def _poll_batches(app: App, *, names: tuple[str, ...], stop: threading.Event | None) -> list[PollReport]:
    reports: list[PollReport] = []
    pending_names = set(names)
    while not (stop and stop.is_set()):
        if not names and app.archive.unavailable_for() > 0:
            break  # a 429 pause or a firewall cool-down: claim nothing, so no policy is marked failed for it
        now = datetime.now(UTC)
        with app.database.transaction() as session:
            batch = claim_due_policies(
                session, owner=app.owner, now=now, limit=CLAIM_BATCH, lease=CLAIM_LEASE, names=tuple(pending_names)
            )
        if not batch:
            break
        for index, record in enumerate(batch):
            if stop and stop.is_set():
                _release(app, batch[index:])
                return reports
            try:
                reports.append(_poll_claimed(app, record))
            except BaseException as stopped:  # Interrupted (stopping) or Ctrl-C: the rest stays due, unclaimed
                _release(app, batch[index + 1 :])
                if isinstance(stopped, Interrupted):
                    return reports
                raise
            pending_names.discard(record.name)
            if app.archive.unavailable_for() > 0:  # every further request would wait or be refused: stop the run
                _release(app, batch[index + 1 :])
                return reports
        if names and not pending_names:
            break
    return reports


def _poll_claimed(app: App, record: PolicyRecord) -> PollReport:
    """The edge of one policy's poll: whatever happens, the claim is released and the next poll scheduled; when
    stopping (``Interrupted``), the claim is given back with the policy still due and nothing recorded as failed."""
    settings = app.settings.policy(record.name)
    report = PollReport(policy=record.name)
    try:
        if settings is not None:  # else dropped from the config after being claimed
            report = poll_policy(app, record, settings)
    except Interrupted:
        logger.info("poll of %s abandoned: stopping; it stays due", record.name)
        _release(app, [record])
        raise
    except Exception as error:  # a bug or bad data in one policy must not stop the others
        logger.exception("poll of %s failed", record.name)
        report.error = f"internal error: {error!r}"
    except BaseException:  # Ctrl-C: not polled after all
        _release(app, [record])
        raise
    _finish(app, record, report)
    return report


def _finish(app: App, record: PolicyRecord, report: PollReport) -> None:
    now = datetime.now(UTC)
    interval = app.settings.schedule.poll_interval
    if report.error:  # try again sooner than a whole interval: the archive's bad days are usually short
        interval = min(interval, RETRY_FAILED_POLL)
    with app.database.transaction() as session:
        finish_poll(session, record.id, now=now, next_poll_at=now + interval, error=report.error)


def _release(app: App, records: list[PolicyRecord]) -> None:
    """Give back claims on policies we will not poll (stopping, or the archive is unavailable): they stay due,
    and keep their last poll time and error."""
    with app.database.transaction() as session:
        for record in records:
            release_policy(session, record.id)


def poll_policy(app: App, record: PolicyRecord, settings: Policy) -> PollReport:
    """One CDX request for captures since the cursor, then each new one processed in order."""
    report = PollReport(policy=record.name)
    target = _Target(record=record, settings=settings, report=report)
    try:
        captures = app.archive.list_captures(record.url, since=record.cursor)
        if captures:
            report.reextracted = _reread_with_this_extractor(app, record, settings)
        for capture in captures:
            _process_capture(app, target, capture)
    except ArchiveError as error:  # the archive is unreachable, rate-limits us, or excludes the whole site
        report.error = str(error)
        logger.warning("poll of %s stopped: %s", record.name, error)
        return report
    if not record.history_imported:
        # The past is imported once something of it is held: after an empty first listing (a page not yet
        # captured, an archive that answered with nothing) the captures still to come are history too.
        with app.database.transaction() as session:
            if queries.latest_version(session, record.id) is not None:
                mark_history_imported(session, record.id)
    logger.info(
        "polled %s: %d captures, %d fetched, %d new versions, %d alerts queued",
        record.name,
        report.captures,
        report.fetched,
        report.versions,
        report.alerts,
    )
    return report


def _reread_with_this_extractor(app: App, record: PolicyRecord, settings: Policy) -> int:
    """Rebuild the versions an older extractor made from the snapshots held, before a new capture is
    compared with them: a difference that only the better extractor sees is history, never an alert."""
    with app.database.reader() as session:
        latest = queries.latest_version(session, record.id)
    if latest is None or latest.extractor_version == EXTRACTOR_VERSION:
        return 0
    rebuilt = reextract_policy(app, record, settings)
    logger.info(
        "re-extracted %s (extractor %s -> %s): %d versions read differently, nobody alerted",
        record.name,
        latest.extractor_version,
        EXTRACTOR_VERSION,
        rebuilt.changed,
    )
    return rebuilt.changed


def _process_capture(app: App, target: _Target, capture: Capture) -> None:
    policy_id = target.record.id
    with app.database.reader() as session:
        if queries.capture_is_recorded(session, policy_id, capture.timestamp, capture.digest):
            return  # CDX `from` is inclusive: the capture at the cursor comes back every time
        # A redirect row's digest is that of its own (often empty) body, not of the page we would store.
        held = queries.snapshot_for_digest(session, capture.digest) if capture.digest_is_content else None
    target.report.captures += 1
    if held is not None:
        content = _Content(held.content, held.content_type, capture.timestamp, CaptureOutcome.DUPLICATE, held.id)
        target.report.duplicates += 1
    else:
        try:
            snapshot = app.archive.fetch_snapshot(capture)  # no transaction is open while we wait on the archive
        except CaptureUnavailable as error:
            _record_unavailable(app, policy_id, capture, error)
            target.report.unavailable += 1
            return
        content = _Content(
            snapshot.content, snapshot.content_type, snapshot.timestamp, CaptureOutcome.STORED, note=snapshot.note
        )
        target.report.fetched += 1
    _store(app, target, capture, content)


def _record_unavailable(app: App, policy_id: int, capture: Capture, error: CaptureUnavailable) -> None:
    with app.database.transaction() as session:
        record_capture(session, policy_id, capture, outcome=error.outcome, reason=error.reason)


def _store(app: App, target: _Target, capture: Capture, content: _Content) -> None:
    try:
        document: Document | None = extract_document(
            content.data,
            content_type=content.content_type,
            select=target.settings.select,
            remove=target.settings.remove,
            url=target.settings.url,
        )
        reason = None
    except NotExtractable as error:
        document, reason = None, error.reason
    with app.database.transaction() as session:
        snapshot_id = content.snapshot_id or store_snapshot(session, content.data, content.content_type)
        version_id = None if document is None else _store_version(session, app, target, capture, content, document)
        record_capture(
            session,
            target.record.id,
            capture,
            outcome=content.outcome if document else CaptureOutcome.NOT_EXTRACTABLE,
            reason=reason or content.note,
            snapshot_id=snapshot_id,
            version_id=version_id,
            served_timestamp=content.timestamp,
        )


def _store_version(
    session: Session, app: App, target: _Target, capture: Capture, content: _Content, document: Document
) -> int:
    """The id of the version this text belongs to: the latest one if unchanged, else a new one with its change."""
    version = new_version(document, timestamp=content.timestamp, original_url=capture.original_url)
    latest = queries.latest_version(session, target.record.id)
    if latest is not None and latest.text_hash == version.text_hash:
        return latest.id
    earlier = queries.earlier_version_with_text(session, target.record.id, version.text_hash)
    version_id = add_version(session, target.record.id, version)
    target.report.versions += 1
    stored = store_version_text(
        session,
        target.record.id,
        version=(version_id, version.markdown),
        previous=parsed_version(latest.id, latest.markdown, target.last.parsed) if latest else None,
        reverted_to=earlier.id if earlier else None,
        # Changes found while importing a newly tracked policy's past are history, not news.
        alert_on=target.settings.alert_on if target.record.history_imported else None,
    )
    target.last.parsed = stored.version.parsed
    saved = stored.change
    if saved is None:
        return version_id
    target.report.changes += 1
    if target.record.history_imported:  # changes found importing a newly tracked policy's past are not news
        change = saved.stored.change
        target.report.alerts += queue_change_alerts(session, app.settings, target.settings, saved.id, change)
    return version_id
