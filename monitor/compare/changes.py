"""Compare two versions of a policy: which sections changed, how, and what kind of change the version is.

Sections are matched as ``monitor.compare.matching`` describes. Each matched section gives at most one record:
RENAMED when its title's letters or digits changed (numbering and duplicate suffixes aside, so inserting
"4." renumbers the clauses below it without a word), else MOVED when it moved (``monitor.compare.matching``: the
parent that moved is reported, not the subsections that went with it), else MODIFIED when its text changed
(whitespace and typography aside). A split gives one SPLIT record (``new_parts``: every part) and a merge one
MERGED record (``old_parts``: every merged section). Unmatched sections are ADDED or REMOVED. Records come in
the new version's order, a removed section where it used to be.

Words: a record's ``words`` diff its ``old_text`` against its ``new_text`` (Markdown, link targets included),
equal runs cut to 12 words of context either side of a change, the cut marked by a "…" word. Added and
removed sections carry their whole text.

Exactness: a ``Change`` also holds every matched pair (``matches``) and, in ``unreported``, the differences too
small to report (a path that changed with an ancestor, a renumbered title, a new level, whitespace), so that
``apply_change(split_sections(old), compare(old, new).change) == split_sections(new)``.

State: nothing is kept between calls. ``compare`` returns the two versions as it parsed them
(``Comparison.old``, ``Comparison.new``); pass ``new`` as the old version of the next comparison along a history
and that version is not parsed again.

Class: see ``monitor.compare.classes``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import compress
from operator import is_not, or_
from typing import Any

from monitor.compare.classes import classify
from monitor.compare.matching import Matching, match, match_sections, title_core
from monitor.compare.regroups import Regroup, same_text
from monitor.compare.sections import ParsedText, parse_sections
from monitor.compare.text_regions import differences
from monitor.compare.titles import is_reference_header
from monitor.compare.word_diff import fold_typography, render_word_diff, word_changes, word_diff
from monitor.models import Change, Section, SectionAt, SectionChange, SectionChangeKind, WordOp, WordOpKind

__all__ = [
    "Comparison",
    "ParsedText",
    "apply_change",
    "change_as_dict",
    "compare",
    "match_sections",
    "normalized_text",
    "parse_sections",
    "render_word_diff",
    "word_diff",
]

_MAX_ATX_LEVEL = 6


def normalized_text(markdown: str) -> str:
    """The text that decides whether a version is new: whitespace collapsed, typography folded, header dropped.

    Each line's runs of whitespace become one space (indentation and trailing spaces go), runs of blank
    lines become one, and the result is stripped. Markdown markup and link targets are kept.
    """
    lines: list[str] = []
    for line in fold_typography(markdown).splitlines():
        if is_reference_header(line):
            continue
        collapsed = " ".join(line.split())
        if collapsed or (lines and lines[-1]):
            lines.append(collapsed)
    return "\n".join(lines).strip()


@dataclass(frozen=True, eq=False)
class Comparison:
    """What comparing two versions found, and the two versions as parsed for it."""

    change: Change
    old: ParsedText
    new: ParsedText  # the old version to give the comparison with the version after it


def compare(old: ParsedText | str, new_markdown: str) -> Comparison:
    """The section changes between two versions and the version's class (never REVERTED: that needs history).

    ``old``: the old version's Markdown, or its parse (``parse_sections``, or the ``new`` of the comparison
    before): then it is not parsed again.
    """
    old = old if isinstance(old, ParsedText) else parse_sections(old)
    regions = differences(old.markdown, new_markdown)
    new = parse_sections(new_markdown, previous=old, regions=regions)
    matching = match(old.sections, new.sections, known_keys=old.path_keys)
    reported, unreported = _section_changes(old.sections, new.sections, matching)
    classified = classify(
        old.markdown, new_markdown, old_paragraphs=old.paragraphs, old_words=old.words, regions=regions
    )
    change = Change(
        version_class=classified.version_class,
        sections=tuple(reported),
        matches=tuple(sorted(matching.pairs.items())),
        unreported=tuple(unreported),
    )
    new = replace(new, paragraphs=classified.paragraphs, words=classified.words, path_keys=matching.new_keys)
    return Comparison(change, old, new)


# --- records ---------------------------------------------------------------------------------------


def _section_changes(
    old: Sequence[Section], new: Sequence[Section], matching: Matching
) -> tuple[list[SectionChange], list[SectionChange]]:
    """The reported records in the new version's order, and the unreported ones."""
    regrouped = {i: group for group in matching.regroups for i in group.old}
    positioned: list[tuple[float, int, SectionChange]] = []
    unreported: list[SectionChange] = []
    for i, j in _maybe_changed(old, new, matching):
        if i in regrouped or (old[i] == new[j] and i not in matching.moved):
            continue  # the common case: the very same section
        same = same_text(old[i], new[j])
        kind = _pair_kind(old[i], new[j], moved=i in matching.moved, same=same)
        if kind is not None:
            positioned.append((j, i, _record(kind, SectionAt(i, old[i]), SectionAt(j, new[j]), same=same)))
        elif old[i] != new[j]:
            quiet = _quiet_kind(old[i], new[j])
            unreported.append(_record(quiet, SectionAt(i, old[i]), SectionAt(j, new[j]), same=same))
    for group in matching.regroups:
        positioned.append((min(group.new), group.old_identity, _regroup_record(group, old, new)))
    if len(matching.pairs) < len(old):  # some were removed
        anchor = -0.5
        for i, section in enumerate(old):
            if i in matching.pairs:
                anchor = matching.pairs[i] + 0.5
            elif i not in regrouped:
                positioned.append((anchor, i, _record(SectionChangeKind.REMOVED, SectionAt(i, section), None)))
    if len(matching.pairs) < len(new):  # some were added
        taken = set(matching.pairs.values()) | {j for group in matching.regroups for j in group.new}
        for j, section in enumerate(new):
            if j not in taken:
                positioned.append((j, -1, _record(SectionChangeKind.ADDED, None, SectionAt(j, section))))
    positioned.sort(key=lambda item: (item[0], item[1]))
    return [change for _, _, change in positioned], unreported


def _maybe_changed(old: Sequence[Section], new: Sequence[Section], matching: Matching) -> Iterator[tuple[int, int]]:
    """The pairs, in order, but those of a section that is the very same object in both versions and did not
    move (most are: a new version parsed after the old one shares them), picked out in C."""
    pairs = matching.pairs
    other = map(is_not, map(old.__getitem__, pairs), map(new.__getitem__, pairs.values()))
    return compress(pairs.items(), map(or_, other, map(matching.moved.__contains__, pairs)))


def _pair_kind(old: Section, new: Section, *, moved: bool, same: bool) -> SectionChangeKind | None:
    """What happened to a matched section that is worth reporting (None: nothing); ``same``: whether its text
    is the same (``same_text``)."""
    if title_core(old.title) != title_core(new.title):
        return SectionChangeKind.RENAMED
    if moved:
        return SectionChangeKind.MOVED
    if not same:
        return SectionChangeKind.MODIFIED
    return None


def _quiet_kind(old: Section, new: Section) -> SectionChangeKind:
    """The kind an unreported difference would have: a title, a path or level, or whitespace in the text."""
    if old.title != new.title:
        return SectionChangeKind.RENAMED
    if old.path != new.path or old.level != new.level:
        return SectionChangeKind.MOVED
    return SectionChangeKind.MODIFIED


def _record(
    kind: SectionChangeKind, old: SectionAt | None, new: SectionAt | None, *, same: bool = False
) -> SectionChange:
    """A record of one section; ``same``: whether the texts of the two are the same (``same_text``)."""
    old_section = old.section if old else None
    new_section = new.section if new else None
    old_text = old_section.text if old_section else ""
    new_text = new_section.text if new_section else ""
    ops: tuple[WordOp, ...] = ()
    if old_section is None:
        ops = (WordOp(WordOpKind.INSERT, " ".join(new_text.split())),) if new_text else ()
    elif new_section is None:
        ops = (WordOp(WordOpKind.DELETE, " ".join(old_text.split())),) if old_text else ()
    elif not same:
        ops = word_changes(old_text, new_text)
    return SectionChange(
        kind=kind,
        old_path=old_section.path_text if old_section else None,
        new_path=new_section.path_text if new_section else None,
        old_text=old_text,
        new_text=new_text,
        words=ops,
        old_index=old.index if old else None,
        new_index=new.index if new else None,
        old_level=old_section.level if old_section else None,
        new_level=new_section.level if new_section else None,
        old_titles=old_section.path if old_section else (),
        new_titles=new_section.path if new_section else (),
    )


def _regroup_record(group: Regroup, old: Sequence[Section], new: Sequence[Section]) -> SectionChange:
    """One SPLIT or MERGED record; its identity ends are the sections that keep the section's identity."""
    old_parts = tuple(SectionAt(i, old[i]) for i in group.old)
    new_parts = tuple(SectionAt(j, new[j]) for j in group.new)
    old_text, new_text = _joined(old_parts), _joined(new_parts)
    old_section, new_section = old[group.old_identity], new[group.new_identity]
    return SectionChange(
        kind=SectionChangeKind.SPLIT if group.is_split else SectionChangeKind.MERGED,
        old_path=old_section.path_text,
        new_path=new_section.path_text,
        old_text=old_text,
        new_text=new_text,
        words=word_changes(old_text, new_text),
        old_index=group.old_identity,
        new_index=group.new_identity,
        old_level=old_section.level,
        new_level=new_section.level,
        old_titles=old_section.path,
        new_titles=new_section.path,
        old_parts=old_parts if len(old_parts) > 1 else (),
        new_parts=new_parts if len(new_parts) > 1 else (),
    )


def _joined(parts: Sequence[SectionAt]) -> str:
    """Several sections as one text: the first one's text, then each other under its heading line."""
    pieces = [parts[0].section.text]
    for part in parts[1:]:
        level = min(max(part.section.level, 1), _MAX_ATX_LEVEL)
        pieces += ["#" * level + " " + part.section.title, part.section.text]
    return "\n\n".join(piece for piece in pieces if piece)


# --- replaying a change ----------------------------------------------------------------------------


def apply_change(old_sections: Sequence[Section], change: Change) -> tuple[Section, ...]:
    """The new version's sections, rebuilt from the old version's and the change between the two.

    Raises ValueError when the change does not fit ``old_sections`` (a record's old section differs from the
    one at its index) or does not account for every old and new section exactly once.
    """
    built: dict[int, Section] = {}
    source: dict[int, int | None] = {}  # new index -> the old identity that produced it (None: added)
    accounted: set[int] = set()
    for record in (*change.sections, *change.unreported):
        olds, news = _old_side(record), _new_side(record)
        for part in olds:
            if part.index >= len(old_sections) or old_sections[part.index] != part.section:
                raise ValueError(f"the change does not fit old section {part.index}")
            accounted.add(part.index)
        for part in news:
            if part.index in built:
                raise ValueError(f"new section {part.index} is produced twice")
            built[part.index], source[part.index] = part.section, record.old_index
    for i, j in change.matches:
        if j not in built:
            built[j], source[j] = old_sections[i], i
        elif source[j] != i:
            raise ValueError(f"new section {j} is matched to old section {i} but produced from another")
        accounted.add(i)
    if sorted(built) != list(range(len(built))):
        raise ValueError("the change leaves gaps among the new sections")
    if accounted != set(range(len(old_sections))):
        raise ValueError("the change does not account for every old section")
    return tuple(built[index] for index in range(len(built)))


def _old_side(record: SectionChange) -> tuple[SectionAt, ...]:
    if record.old_parts:
        return record.old_parts
    if record.old_index is None or record.old_level is None:
        return ()
    return (SectionAt(record.old_index, Section(record.old_titles, record.old_level, record.old_text)),)


def _new_side(record: SectionChange) -> tuple[SectionAt, ...]:
    if record.new_parts:
        return record.new_parts
    if record.new_index is None or record.new_level is None:
        return ()
    return (SectionAt(record.new_index, Section(record.new_titles, record.new_level, record.new_text)),)


# --- JSON ------------------------------------------------------------------------------------------


def change_as_dict(change: Change) -> dict[str, Any]:
    """A change as a JSON-ready value: the version class and each reported section change with its kind,
    paths (all of them for a split or merge) and word-level operations."""
    return {
        "version_class": change.version_class.value,
        "sections": [_section_change_as_dict(section) for section in change.sections],
    }


def _section_change_as_dict(section: SectionChange) -> dict[str, Any]:
    return {
        "kind": section.kind.value,
        "old_path": section.old_path,
        "new_path": section.new_path,
        "old_paths": list(section.old_paths),
        "new_paths": list(section.new_paths),
        "words": [{"op": op.kind.value, "text": op.text} for op in section.words],
    }
