"""Frozen value types of the domain, shared by every module of ``monitor`` and by ``jobs``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

WAYBACK_TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"


def timestamp_to_datetime(timestamp: str) -> datetime:
    """A 14-digit Wayback timestamp as a UTC-aware datetime."""
    return datetime.strptime(timestamp, WAYBACK_TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def datetime_to_timestamp(value: datetime) -> str:
    """A datetime (naive means UTC) as a 14-digit Wayback timestamp."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime(WAYBACK_TIMESTAMP_FORMAT)


class CaptureOutcome(StrEnum):
    """How the processing of one capture ended. Every capture we record has exactly one."""

    STORED = "stored"  # fetched, snapshot stored, text extracted (a version may or may not be new)
    DUPLICATE = "duplicate"  # digest already held: not fetched again
    REDIRECT = "redirect"  # the capture is an archived redirect
    NOT_HTML = "not-html"
    TOO_LARGE = "too-large"
    BLOCKED = "blocked"
    NO_CAPTURE = "no-capture"
    PLAYBACK_ERROR = "playback-error"
    LOW_QUALITY = "low-quality"
    NOT_EXTRACTABLE = "not-extractable"


@dataclass(frozen=True)
class Capture:
    """One CDX row for a tracked URL."""

    timestamp: str  # 14 digits, UTC, as the archive writes it
    original_url: str
    mimetype: str
    status: int | None
    digest: str
    length: int | None = None

    @property
    def captured_at(self) -> datetime:
        return timestamp_to_datetime(self.timestamp)


@dataclass(frozen=True)
class Snapshot:
    """The raw bytes of a capture as served in ``id_`` mode (transfer compression removed)."""

    capture: Capture
    content: bytes
    content_type: str | None  # the Content-Type header as served, charset included when present
    timestamp: str  # the capture actually served (Memento-Datetime), which may differ from the CDX row


@dataclass(frozen=True)
class Document:
    """Policy text extracted from a snapshot: the page title and the body in Markdown.

    The reference header line is not part of it (it names the capture, not the text); see
    ``monitor.extract.render_reference``.
    """

    title: str
    body: str  # Markdown, without the "# title" line

    @property
    def markdown(self) -> str:
        """Title and body as stored for a version: ``# title``, a blank line, then the body."""
        return f"# {self.title}\n\n{self.body}".rstrip() + "\n" if self.title else self.body.rstrip() + "\n"


@dataclass(frozen=True)
class Section:
    """A part of a version: the text under one heading (or bold lead-in), up to the next one."""

    path: tuple[str, ...]  # titles from the outermost heading down to this one
    level: int  # 0 for the preamble, 1-6 for headings; lead-ins sit one below their parent
    text: str  # the section's own Markdown, without its heading line and without its subsections

    @property
    def title(self) -> str:
        return self.path[-1]

    @property
    def path_text(self) -> str:
        return " > ".join(self.path)


class WordOpKind(StrEnum):
    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"


@dataclass(frozen=True)
class WordOp:
    """One run of a word-level diff: words kept, inserted or deleted, joined by single spaces."""

    kind: WordOpKind
    text: str


class SectionChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    RENAMED = "renamed"
    MOVED = "moved"
    SPLIT = "split"
    MERGED = "merged"


@dataclass(frozen=True)
class SectionChange:
    kind: SectionChangeKind
    old_path: str | None  # None when added
    new_path: str | None  # None when removed
    old_text: str
    new_text: str
    words: tuple[WordOp, ...] = ()


class VersionClass(StrEnum):
    """What kind of difference a new version makes to its predecessor."""

    SUBSTANTIVE = "substantive"
    FORMATTING_ONLY = "formatting-only"
    LINK_ONLY = "link-only"
    DATE_ONLY = "date-only"
    REVERTED = "reverted"


@dataclass(frozen=True)
class Change:
    """The difference between two consecutive versions of a policy."""

    version_class: VersionClass
    sections: tuple[SectionChange, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.sections
