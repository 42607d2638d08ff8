"""CDX answers -> ``Capture`` values. Tolerant: a malformed row is skipped and counted, never fatal."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from monitor.models import WAYBACK_TIMESTAMP_FORMAT, Capture

logger = logging.getLogger(__name__)

CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_UNFETCHABLE = re.compile(r"^(?:https?://)?(?:mailto:|data:|javascript:)|^\"?data:|data:\w+/[\w.+-]+;base64", re.I)
# An http(s) URL with a host and no user part: "http://mailto:a@b/" and "some/not/even/url/thing" are real rows
# that are not (../shared/corpus/wayback/malformed_cdx.txt).
_FETCHABLE = re.compile(r"^https?://[^/?#\s@]+(?:[/?#]|$)", re.IGNORECASE)
_DEFAULT_PORT = re.compile(r"^(http://[^/:]+):80(?=/|$)|^(https://[^/:]+):443(?=/|$)")


@dataclass(frozen=True)
class CdxPage:
    captures: list[Capture]
    resume_key: str | None
    skipped: int = 0


# A row dated later than this after now is malformed: the archive cannot hold a capture of the future, and one such
# row (99991231235959) would carry the cursor past every capture to come.
FUTURE_SLACK = timedelta(days=1)


def parse_cdx(body: bytes, *, now: datetime | None = None) -> CdxPage:
    """Parse one CDX answer in JSON (``output=json``) or the space-separated text format; rows dated after ``now``
    (default: the clock's) plus ``FUTURE_SLACK`` are malformed."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return CdxPage(captures=[], resume_key=None)
    latest = ((now or datetime.now(UTC)) + FUTURE_SLACK).strftime(WAYBACK_TIMESTAMP_FORMAT)
    if text.startswith("["):
        return _parse_json(text, latest)
    return _parse_text(text, latest)


def _parse_json(text: str, latest: str) -> CdxPage:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError:
        return CdxPage(captures=[], resume_key=None, skipped=1)
    if not isinstance(rows, list) or not rows:
        return CdxPage(captures=[], resume_key=None)
    header, *rows = rows
    fields = header if isinstance(header, list) and "timestamp" in header else list(CDX_FIELDS)
    resume_key = None
    if len(rows) >= 2 and rows[-2] == [] and isinstance(rows[-1], list) and len(rows[-1]) == 1:
        resume_key = str(rows[-1][0])
        rows = rows[:-2]
    records = [dict(zip(fields, row, strict=False)) if isinstance(row, list) else {} for row in rows]
    return _collect(records, resume_key, [json.dumps(row) for row in rows], latest)


def _parse_text(text: str, latest: str) -> CdxPage:
    lines = text.split("\n")
    resume_key = None
    if len(lines) >= 2 and lines[-2].strip() == "":
        resume_key = lines[-1].strip()
        lines = lines[:-2]
    records = [dict(zip(CDX_FIELDS, line.split(" "), strict=False)) for line in lines]
    return _collect(records, resume_key, lines, latest)


def _collect(records: list[dict[str, str]], resume_key: str | None, raw: list[str], latest: str) -> CdxPage:
    captures: list[Capture] = []
    skipped: list[str] = []
    for record, line in zip(records, raw, strict=True):
        capture = capture_from_fields(record)
        if capture is None or capture.timestamp > latest:
            skipped.append(line[:200])
        elif not captures or captures[-1] != capture:  # the archive repeats identical rows
            captures.append(capture)
    if skipped:
        logger.warning("skipped %d malformed CDX row(s), e.g. %s", len(skipped), skipped[0])
    return CdxPage(captures=captures, resume_key=resume_key, skipped=len(skipped))


def capture_from_fields(record: dict[str, str]) -> Capture | None:
    """A ``Capture`` from one row's fields, or None when the row is unusable."""
    try:
        timestamp = repair_timestamp(record["timestamp"])
        original, mimetype, digest = record["original"], record["mimetype"], record["digest"]
        raw_status, raw_length = record.get("statuscode", "-"), record.get("length", "-")
    except (KeyError, TypeError, ValueError):
        return None
    if not digest or not original or _UNFETCHABLE.search(original) or not _FETCHABLE.match(original):
        return None
    return Capture(
        timestamp=timestamp,
        original_url=_DEFAULT_PORT.sub(lambda m: m.group(1) or m.group(2), original),
        mimetype=mimetype,
        status=int(raw_status) if raw_status.isdigit() else None,
        digest=digest,
        length=int(raw_length) if raw_length.isdigit() else None,
    )


def resolve_revisits(captures: list[Capture]) -> list[Capture]:
    """Give each revisit row the status and mimetype of a capture it repeats: one with its digest in the listing.

    ``resolveRevisits=true`` is not reliable, so revisits come back as ``warc/revisit`` with status ``-``
    (docs/wayback.md#collapse-filters); a revisit carries the digest of the payload it points to
    (docs/wayback.md#digest), so any row with that
    digest holds the same payload. The latest earlier one is preferred, else the first later one. A revisit of
    something older than the listing stays unresolved; its digest is usually held already.
    """
    resolved: list[Capture] = []
    for index, capture in enumerate(captures):
        if capture.is_revisit:
            earlier = (c for c in reversed(captures[:index]) if c.digest == capture.digest and not c.is_revisit)
            later = (c for c in captures[index + 1 :] if c.digest == capture.digest and not c.is_revisit)
            original = next(earlier, None) or next(later, None)
            if original is not None:
                capture = replace(capture, mimetype=original.mimetype, status=original.status)
        resolved.append(capture)
    return resolved


def repair_timestamp(value: str) -> str:
    """Validate a 14-digit timestamp, repairing the 2000-era ``00`` month/day insertions.

    The archive's index holds a few timestamps with "00" inserted before the month or day (seen in
    ../shared/corpus/wayback/bad_timestamp_cdx.txt); EDGI's `wayback` removes the insertion and pads the
    truncated seconds with "00", and so do we. Raises ValueError for anything else.
    """
    if len(value) != 14 or not value.isascii() or not value.isdigit():  # "١٢" is digits to isdigit()
        raise ValueError(f"bad timestamp {value!r}")
    if value[4:6] == "00":
        value = f"{value[:4]}{value[6:]}00"
    elif value[6:8] == "00":
        value = f"{value[:6]}{value[8:]}00"
    datetime.strptime(value, WAYBACK_TIMESTAMP_FORMAT)
    return value
