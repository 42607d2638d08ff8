"""What poll and re-extraction share: a version's identity, and how a change between two versions is stored."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from monitor.compare.changes import compare, match_sections, normalized_text
from monitor.compare.sections import ParsedText, parse_sections, split_sections
from monitor.extract.pipeline import EXTRACTOR_VERSION
from monitor.models import Document, Section, SectionChange, StoredChange, Version, VersionClass
from storage import queries
from storage.changes import add_change
from storage.versions import store_version_sections


def text_hash(markdown: str) -> str:
    """Two texts with one hash are one version: whitespace, quotes and dashes do not make a new one."""
    return hashlib.sha256(normalized_text(markdown).encode()).hexdigest()


def new_version(document: Document, *, timestamp: str, original_url: str) -> Version:
    return Version(
        document=document,
        timestamp=timestamp,
        original_url=original_url,
        text_hash=text_hash(document.markdown),
        extractor_version=EXTRACTOR_VERSION,
    )


@dataclass(frozen=True)
class SavedChange:
    """A change just stored: its id, and the value stored, to match subscriptions against without reading it back."""

    id: int
    stored: StoredChange


@dataclass(frozen=True)
class ParsedVersion:
    """A stored version's id and its text as parsed."""

    id: int
    parsed: ParsedText


@dataclass(frozen=True)
class StoredText:
    """What storing a version's text gives: the version as parsed (the ``previous`` of the next one to store),
    and the change stored with it (None for a first version)."""

    version: ParsedVersion
    change: SavedChange | None


def parsed_version(version_id: int, markdown: str, known: ParsedText | None) -> ParsedVersion:
    """A stored version as parsed: ``known`` when that is its text's parse (the one stored last), else parsed."""
    parsed = known if known is not None and known.markdown == markdown else parse_sections(markdown)
    return ParsedVersion(version_id, parsed)


def store_version_text(
    session: Session,
    policy_id: int,
    *,
    version: tuple[int, str],
    previous: ParsedVersion | None,
    reverted_to: int | None,
    alert_on: frozenset[VersionClass] | None,
    earlier: tuple[int, str] | None = None,
) -> StoredText:
    """Store a new version's sections (``version``: id, markdown), carrying section identities over from
    ``previous``, and, after the first version, the change between the two. ``alert_on`` None means nobody
    hears of it. The new version is parsed once, from the previous one's parse.

    ``earlier`` (id, markdown), a version that a re-extraction supersedes and that showed the same capture,
    lends its section ids to the sections matched to its own that ``previous`` does not carry: ids users
    noted keep naming the same sections after a rebuild.
    """
    if previous is None:
        parsed = parse_sections(version[1])
        _store_sections(session, policy_id, (version[0], parsed.sections), {}, earlier)
        return StoredText(ParsedVersion(version[0], parsed), None)
    comparison = compare(previous.parsed, version[1])
    change = comparison.change
    old_ids = _stored_ids(session, previous.id, len(previous.parsed.sections))
    carried = {new: old_ids[old] for old, new in change.matches if old_ids[old] is not None}
    new_ids = _store_sections(session, policy_id, (version[0], comparison.new.sections), carried, earlier)
    version_class = VersionClass.REVERTED if reverted_to is not None else change.version_class
    alertable = alert_on is not None and version_class in alert_on and not change.is_empty
    stored = StoredChange(
        change=replace(change, version_class=version_class),
        reverted_to=reverted_to,
        alertable=alertable,
        section_ids=tuple(_section_id(section, old_ids, new_ids) for section in change.sections),
    )
    change_id = add_change(session, policy_id, old_version_id=previous.id, new_version_id=version[0], stored=stored)
    return StoredText(ParsedVersion(version[0], comparison.new), SavedChange(id=change_id, stored=stored))


def _store_sections(
    session: Session,
    policy_id: int,
    version: tuple[int, Sequence[Section]],
    carried: dict[int, int | None],
    earlier: tuple[int, str] | None,
) -> list[int]:
    """Store the version's sections (id, sections) with the ids carried (new index -> id), or lent by
    ``earlier``."""
    version_id, sections = version
    if earlier is not None:
        carried = {**_lent_ids(session, earlier, sections, set(carried.values())), **carried}
    known_ids = [carried.get(i) for i in range(len(sections))]
    return store_version_sections(session, policy_id, version_id, sections, known_ids)


def _lent_ids(
    session: Session, earlier: tuple[int, str], sections: Sequence[Section], taken: set[int | None]
) -> dict[int, int | None]:
    """New index -> the id of the section of ``earlier`` matched to it, for ids not ``taken`` already."""
    earlier_sections = split_sections(earlier[1])
    earlier_ids = _stored_ids(session, earlier[0], len(earlier_sections))
    pairs = match_sections(earlier_sections, sections)
    return {new: earlier_ids[old] for old, new in pairs.items() if earlier_ids[old] not in taken}


def _stored_ids(session: Session, version_id: int, expected: int) -> list[int | None]:
    """The previous version's section ids, position by position; none if they were stored by another parser."""
    ids: list[int | None] = [s.section_id for s in queries.version_sections(session, version_id)]
    return ids if len(ids) == expected else [None] * expected


def _section_id(section: SectionChange, old_ids: list[int | None], new_ids: list[int]) -> int | None:
    if section.new_index is not None:
        return new_ids[section.new_index]
    return old_ids[section.old_index] if section.old_index is not None else None
