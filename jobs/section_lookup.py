"""Which section of a policy a user means (an id, a full path, a bare heading or the end of a path), and the
copies of it that a page repeating itself shows for a while.

A page that shows the old policy and the new one together for a while (an "effective until" period) holds
each heading twice: the parse names the second copy "Title (2)", and the comparison gives one of the two texts
a new identity, which ends when the old policy goes or goes on after the old identity ended. Such **copies** of
one section are followed as one: two identities with a path that reads the same (numbering, case and duplicate
suffixes aside), the second appearing while the first is there, one of them gone before the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from jobs.dates import UsageError
from monitor.compare.matching import title_key
from storage import queries
from storage.queries import SectionPath
from storage.schema import PolicyRecord

PathKey = tuple[str, ...]


class AmbiguousSection(UsageError):
    """A heading or path end that several sections have had: ``candidates`` are their full paths, with ids."""

    def __init__(self, message: str, candidates: Sequence[tuple[int, str]]) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)


@dataclass(frozen=True)
class _Sections:
    """What the lookup knows of a policy's sections: every path each had (and those paths' keys), and when each
    was first and last seen."""

    paths: list[SectionPath]
    spans: dict[int, tuple[datetime, datetime]]
    keys: dict[int, set[PathKey]]  # section id -> the keys of its paths
    holders: dict[PathKey, set[int]]  # a key -> the sections that had a path with it

    def latest_path(self, section_ids: set[int]) -> SectionPath:
        return max((row for row in self.paths if row.section_id in section_ids), key=lambda row: row.last_seen)


def _sections(session: Session, policy: PolicyRecord) -> _Sections:
    paths = queries.section_paths(session, policy.id)
    keys: dict[int, set[PathKey]] = defaultdict(set)
    holders: dict[PathKey, set[int]] = defaultdict(set)
    spans: dict[int, tuple[datetime, datetime]] = {}
    titles: dict[str, str] = {}  # title -> key: a long policy's thousands of paths share far fewer titles
    for row in paths:
        key = path_key(row.path, titles)
        keys[row.section_id].add(key)
        holders[key].add(row.section_id)
        first, last = spans.get(row.section_id, (row.first_seen, row.last_seen))
        spans[row.section_id] = (min(first, row.first_seen), max(last, row.last_seen))
    return _Sections(paths, spans, keys, holders)


def path_key(path: str, titles: dict[str, str] | None = None) -> PathKey:
    """A path as a user may write it: each title without numbering, case, punctuation or duplicate suffix
    (``titles``: the keys of titles met before)."""
    known = {} if titles is None else titles
    for title in path.split(">"):
        if title not in known:
            known[title] = title_key(title.strip())
    return tuple(known[title] for title in path.split(">"))


def find_section(session: Session, policy: PolicyRecord, given: str) -> int:
    """The section ``given`` names: its id, a path it had (the newest section with it), or a unique end of a path,
    down to its bare heading. Several candidates raise ``AmbiguousSection``; none, a ``UsageError``."""
    text = given.strip().removeprefix("#")
    if text.isdigit() and queries.section_exists(session, policy.id, int(text)):
        return int(text)
    exact = queries.section_by_path(session, policy.id, given)
    if exact is not None:
        return exact
    sections = _sections(session, policy)
    groups = _candidate_groups(sections, path_key(given))
    if not groups:
        raise UsageError(f"{policy.name!r} has no section {given!r}: see `policy-monitor sections {policy.name}`")
    latest = sorted((sections.latest_path(group) for group in groups), key=lambda row: row.last_seen, reverse=True)
    if len({row.path for row in latest}) == 1:  # one path, held in turn by several sections: the newest, as above
        return latest[0].section_id
    raise AmbiguousSection(
        f"{given!r} matches {len(latest)} sections of {policy.name!r}: give one of these paths or ids",
        [(row.section_id, row.path) for row in latest],
    )


def followed_sections(session: Session, policy: PolicyRecord, section_id: int) -> list[int]:
    """The section and its copies (see the module's docstring), in the order they were made."""
    return sorted(_copies(_sections(session, policy), section_id))


def _candidate_groups(sections: _Sections, wanted: PathKey) -> list[set[int]]:
    """The sections with a path ending in ``wanted``, each with its copies, as disjoint groups."""
    matching = {
        found for key, holders in sections.holders.items() if key[-len(wanted) :] == wanted for found in holders
    }
    groups: list[set[int]] = []
    for section_id in sorted(matching):
        if not any(section_id in group for group in groups):
            groups.append(_copies(sections, section_id))
    return groups


def _copies(sections: _Sections, section_id: int) -> set[int]:
    """``section_id`` and every section linked to it, copy by copy."""
    followed, pending = {section_id}, [section_id]
    while pending:
        current = pending.pop()
        near = {other for key in sections.keys.get(current, ()) for other in sections.holders[key]} - followed
        linked = {other for other in near if _one_follows_the_other(sections.spans, current, other)}
        followed |= linked
        pending.extend(linked)
    return followed


def _one_follows_the_other(spans: dict[int, tuple[datetime, datetime]], one: int, other: int) -> bool:
    """Whether one came while the other was there, and they did not last alike: one outlived the other (the new
    policy's copy), or came and went within the other's life (the old policy's). Two headings that stay side by
    side ("More resources", "More resources (2)") are two sections."""
    if one not in spans or other not in spans:
        return False
    (first, last), (next_first, next_last) = sorted((spans[one], spans[other]))
    return first < next_first <= last and last != next_last
