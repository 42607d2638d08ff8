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

    @property
    def is_revisit(self) -> bool:
        """A ``warc/revisit`` row not yet resolved to the capture it repeats (status ``-``)."""
        return self.status is None

    @property
    def is_redirect(self) -> bool:
        return self.status is not None and 300 <= self.status < 400

    @property
    def digest_is_content(self) -> bool:
        """Whether ``digest`` identifies the page we would store: not for a redirect, whose digest is that of the
        redirect's own body (often empty) while we store its target's page."""
        return self.status is None or 200 <= self.status < 300


@dataclass(frozen=True)
class Snapshot:
    """The raw bytes of a capture as served in ``id_`` mode (transfer compression removed)."""

    capture: Capture
    content: bytes
    content_type: str | None  # the Content-Type header as served, charset included when present
    timestamp: str  # the capture actually served (Memento-Datetime), which may differ from the CDX row
    served_url: str | None = None  # the URL actually captured (Link rel="original"), a redirect's target included
    note: str | None = None  # how it was reached when not directly, e.g. "followed archived 301 redirect to ..."


@dataclass(frozen=True)
class Document:
    """Policy text extracted from a snapshot: the page title and the body in Markdown.

    The reference header line is not part of it (it names the capture, not the text); see
    ``monitor.extract.reference_format.render_reference``.
    """

    title: str
    body: str  # Markdown, without the "# title" line
    kept_documents: tuple[str, ...] = ()  # on a page holding several documents, the headings of those kept

    @property
    def markdown(self) -> str:
        """Title and body as stored for a version: ``# title``, a blank line, then the body."""
        return f"# {self.title}\n\n{self.body}".rstrip() + "\n" if self.title else self.body.rstrip() + "\n"


@dataclass(frozen=True)
class Version:
    """A distinct text of a policy, as first seen in one capture."""

    document: Document
    timestamp: str  # the capture that showed it (14 digits, UTC)
    original_url: str
    text_hash: str  # of the normalized text: two texts with one hash are one version
    extractor_version: str

    @property
    def captured_at(self) -> datetime:
        return timestamp_to_datetime(self.timestamp)

    @property
    def markdown(self) -> str:
        return self.document.markdown


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
class SectionAt:
    """A section of one version and its position in that version's list of sections."""

    index: int
    section: Section


@dataclass(frozen=True)
class SectionChange:
    """What happened to one section (or, for SPLIT and MERGED, to one group of sections).

    ``old_*`` fields describe the section as it was, ``new_*`` as it is. For SPLIT, ``new_parts`` lists every
    new section the old one became (the one that keeps its identity among them) and ``new_text`` shows them
    joined, each part after the first under its heading line; MERGED is the mirror image with ``old_parts``.
    ``words`` is always the diff of ``old_text`` against ``new_text``. The positions, levels, titles and parts
    are exact, so that ``monitor.compare.changes.apply_change`` rebuilds the new version's sections from the old ones.
    """

    kind: SectionChangeKind
    old_path: str | None  # None when added
    new_path: str | None  # None when removed
    old_text: str
    new_text: str
    words: tuple[WordOp, ...] = ()
    old_index: int | None = None  # position among the old version's sections; None when added
    new_index: int | None = None  # position among the new version's sections; None when removed
    old_level: int | None = None
    new_level: int | None = None
    old_titles: tuple[str, ...] = ()  # the old path as titles (``old_path`` joins them with " > ")
    new_titles: tuple[str, ...] = ()
    old_parts: tuple[SectionAt, ...] = ()  # MERGED only: every old section merged, in document order
    new_parts: tuple[SectionAt, ...] = ()  # SPLIT only: every new part, in document order

    @property
    def old_paths(self) -> tuple[str, ...]:
        """Every old path this change covers: the merged sections, else the old path (if any)."""
        if self.old_parts:
            return tuple(part.section.path_text for part in self.old_parts)
        return (self.old_path,) if self.old_path is not None else ()

    @property
    def new_paths(self) -> tuple[str, ...]:
        """Every new path this change covers: the parts of a split, else the new path (if any)."""
        if self.new_parts:
            return tuple(part.section.path_text for part in self.new_parts)
        return (self.new_path,) if self.new_path is not None else ()


class VersionClass(StrEnum):
    """What kind of difference a new version makes to its predecessor."""

    SUBSTANTIVE = "substantive"
    FORMATTING_ONLY = "formatting-only"
    LINK_ONLY = "link-only"
    DATE_ONLY = "date-only"
    REVERTED = "reverted"


DEFAULT_ALERT_ON = frozenset({VersionClass.SUBSTANTIVE})  # the classes a policy alerts on unless it says otherwise


@dataclass(frozen=True)
class Policy:
    """One tracked privacy-policy URL: where it lives, how to read it, and which kinds of change alert."""

    name: str
    url: str
    site: str
    select: tuple[str, ...] = ()  # CSS selectors of the main content, where the automatic choice fails
    remove: tuple[str, ...] = ()  # CSS selectors dropped before anything else
    alert_on: frozenset[VersionClass] = DEFAULT_ALERT_ON
    renamed_from: str | None = None  # the name it had: its history and subscriptions follow the rename


class AlertMode(StrEnum):
    """When a subscriber hears of a change: at once, or gathered into a daily or weekly digest."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


ALL_POLICIES = ("*",)


@dataclass(frozen=True)
class Subscription:
    """One recipient's standing order: which changes of which policies go where, and how often.

    ``monitor.alerts.subscription_rule.check_subscription`` says whether one is valid; the channel named by
    ``channel`` (``monitor.alerts.channels``) says what its ``target`` is.
    """

    name: str
    target: str  # an email address, a webhook URL, or the variable that holds an Apprise URL
    channel: str = "email"
    policies: tuple[str, ...] = ALL_POLICIES  # names or fnmatch globs, case-insensitive
    sections: str | None = None  # a regular expression, case-insensitive
    alert_on: frozenset[VersionClass] | None = None  # None: each policy's own alert_on
    mode: AlertMode = AlertMode.IMMEDIATE
    secret_env: str | None = None  # the variable holding the channel's signing secret (webhooks)


@dataclass(frozen=True)
class Change:
    """The difference between two consecutive versions of a policy."""

    version_class: VersionClass
    sections: tuple[SectionChange, ...] = field(default_factory=tuple)
    # Every (old index, new index) of a section found in both versions, changed or not, in old order; for a
    # split or merge, the part that keeps the section's identity. See ``monitor.compare.changes.match_sections``.
    matches: tuple[tuple[int, int], ...] = ()
    # Differences too small to report but needed to rebuild the new sections exactly: a path that changed only
    # because an ancestor was renamed or moved, a renumbered or re-suffixed title, a new level, whitespace.
    unreported: tuple[SectionChange, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.sections


@dataclass(frozen=True)
class StoredChange:
    """A change as the history keeps it: under its final class, with the identities it is filed under."""

    change: Change  # its class is the final one: REVERTED when the new version is an earlier text again
    reverted_to: int | None  # the id of the earlier version returned to, for a revert
    alertable: bool  # whether subscribers may hear of it (not for history found importing a policy's past)
    section_ids: tuple[int | None, ...]  # the identity of each section change's section, in order
