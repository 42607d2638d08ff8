"""What poll and re-extraction share: a version's identity, and how a change between two versions is stored."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from monitor.compare.changes import compare, match_sections, normalized_text
from monitor.compare.sections import split_sections
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


def store_version_text(
    session: Session,
    policy_id: int,
    *,
    version: tuple[int, str],
    previous: tuple[int, str] | None,
    reverted_to: int | None,
    alert_on: frozenset[VersionClass] | None,
    earlier: tuple[int, str] | None = None,
) -> SavedChange | None:
    """Store a new version's sections, carrying section identities over from ``previous`` (id, markdown), and,
    after the first version, the change between the two. ``alert_on`` None means nobody hears of it.

    ``earlier`` (id, markdown), a version that a re-extraction supersedes and that showed the same capture,
    lends its section ids to the sections matched to its own that ``previous`` does not carry: ids users
    noted keep naming the same sections after a rebuild.
    """
    if previous is None:
        _store_sections(session, policy_id, version, {}, earlier)
        return None
    # compare() splits both versions (the new one from the previous one's parse) and matches their sections;
    # the splits used below are the ones it keeps.
    change = compare(previous[1], version[1])
    old_ids = _stored_ids(session, previous[0], len(split_sections(previous[1])))
    carried = {new: old_ids[old] for old, new in change.matches if old_ids[old] is not None}
    new_ids = _store_sections(session, policy_id, version, carried, earlier, previous=previous[1])
    version_class = VersionClass.REVERTED if reverted_to is not None else change.version_class
    alertable = alert_on is not None and version_class in alert_on and not change.is_empty
    ids = tuple(_section_id(section, old_ids, new_ids) for section in change.sections)
    stored = StoredChange(
        change=replace(change, version_class=version_class),
        reverted_to=reverted_to,
        alertable=alertable,
        section_ids=ids,
    )
    change_id = add_change(session, policy_id, old_version_id=previous[0], new_version_id=version[0], stored=stored)
    return SavedChange(id=change_id, stored=stored)


def _store_sections(
    session: Session,
    policy_id: int,
    version: tuple[int, str],
    carried: dict[int, int | None],
    earlier: tuple[int, str] | None,
    *,
    previous: str | None = None,
) -> list[int]:
    """Store the version's sections with the ids carried (new index -> id), or lent by ``earlier``."""
    sections = split_sections(version[1], previous=previous)
    if earlier is not None:
        carried = {**_lent_ids(session, earlier, sections, set(carried.values())), **carried}
    known_ids = [carried.get(i) for i in range(len(sections))]
    return store_version_sections(session, policy_id, version[0], sections, known_ids)


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
