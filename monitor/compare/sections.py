"""Split a policy's Markdown into sections: the text under each heading, up to the next one.

Headings are ATX (``## Title``, also inside a list item), setext (a paragraph underlined with ``===`` or
``---``), numbered clauses (``1. Title`` standing alone as a paragraph) and bold lead-ins (a paragraph or
list item starting with a short ``**bold run**``; not a bold block broken by hard line breaks, such as an
address written ``**Name**  \n**Street**``, which is text). Clauses sit one level below the nearest ATX/setext
heading; lead-ins one level below the nearest heading or clause, and are siblings of each other. A lead-in is a
heading only where the policy uses lead-ins as headings (``monitor.compare.lead_ins``): elsewhere, a lone bold
line or lead-in is text of its section.

Titles are cleaned as ``monitor.compare.titles`` describes, each kind of heading line is recognised as
``monitor.compare.heading_lines`` does. Duplicate titles under one parent get " (2)", " (3)"... A heading
that is only a date phrase ("Last updated: May 1, 2024") stays in its section's text, so a new date does not
rename every path below it.

Two passes: the first (``monitor.compare.heading_events``) finds the headings, visiting only the lines a
heading rule could apply to; the second (``settle_lead_ins``, then here) drops the lead-ins that are no
headings, gives lead-ins and clauses their levels and every section its path. A version split after the one it
follows (``previous``) is re-parsed only where the two texts differ (``monitor.compare.reparse``); the last few
versions are kept (``monitor.compare.text_regions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from monitor.compare.classes import JudgedWords
from monitor.compare.heading_events import PREAMBLE, Event, find_events, has_odd_breaks
from monitor.compare.lead_ins import settle_lead_ins
from monitor.compare.paragraphs import Paragraphs
from monitor.compare.reparse import events_after
from monitor.compare.text_regions import Region, differences
from monitor.models import Section

__all__ = ["PREAMBLE", "ParsedText", "parse_sections", "section_starts", "split_sections"]


@dataclass(frozen=True, eq=False)
class ParsedText:
    """A version's text split into sections once (``parse_sections``), passed as a value to what compares it.

    Found by a comparison (``monitor.compare.changes.compare``), for the next one to reuse: ``paragraphs``, its
    paragraphs once cut them all; ``words``, the words of the paragraphs judged by it and recent ones before it;
    ``path_keys``, its sections' paths as matched (``monitor.compare.matching.PathKeys``)."""

    markdown: str
    text: str  # what was parsed: the Markdown, its odd line breaks (if any) made "\n"
    events: tuple[Event, ...]  # every heading the first pass found (``find_events``)
    headings: tuple[Event, ...]  # those that are headings (``settle_lead_ins``): one per section
    sections: tuple[Section, ...]
    paragraphs: Paragraphs | None = None
    words: JudgedWords = ()
    path_keys: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    @property
    def reusable(self) -> bool:
        """Whether a later version can be parsed where it differs only (offsets are the Markdown's own)."""
        return self.text is self.markdown


def parse_sections(
    markdown: str, *, previous: ParsedText | None = None, regions: Sequence[Region] | None = None
) -> ParsedText:
    """A version split into sections; text before the first heading is the "Preamble".

    ``previous``, the parse of a version this one probably shares most of its text with (the one it follows),
    and ``regions``, ``differences(previous.markdown, markdown)``, only save time: where the two texts agree
    the previous parse is reused. The sections are the same.
    """
    if previous is not None and previous.markdown == markdown:
        return previous
    if previous is not None and previous.reusable:
        if regions is None:
            regions = differences(previous.markdown, markdown)
        reused = events_after(previous.markdown, previous.events, markdown, regions)
        if reused is not None:
            events, same_outline = reused
            headings = tuple(settle_lead_ins(events, markdown))
            if same_outline and _same_headings(previous.headings, headings):
                sections = _retexted(previous, headings)
            else:
                sections = _assemble(headings, previous.sections)
            return ParsedText(markdown, markdown, tuple(events), headings, sections)
    text = "\n".join(markdown.splitlines()) if has_odd_breaks(markdown) else markdown
    events, _ = find_events(text, 0, len(text), top=True)
    headings = tuple(settle_lead_ins(events, text))
    return ParsedText(markdown, text, tuple(events), headings, _assemble(headings, ()))


def split_sections(markdown: str) -> tuple[Section, ...]:
    """The sections of a version in document order (``parse_sections(markdown).sections``)."""
    return parse_sections(markdown).sections


def section_starts(parsed: ParsedText) -> tuple[int, ...]:
    """For each section of a parse, the index of the line its heading starts on (0 for the preamble): section
    k spans lines ``starts[k]`` up to ``starts[k + 1]``."""
    starts: list[int] = []
    line, at = 0, 0
    for event in _emitted(parsed.headings):
        line += parsed.text.count("\n", at, event.offset)
        at = event.offset
        starts.append(line)
    return tuple(starts)


def _same_headings(before: Sequence[Event], after: Sequence[Event]) -> bool:
    """Whether two versions' headings are alike (kinds, levels, titles; whether the preamble has text), when
    their first passes are: which lead-ins are headings may still differ."""
    if len(before) != len(after) or bool(before[0].text) != bool(after[0].text):
        return False
    return all(
        (old.kind, old.level, old.title) == (new.kind, new.level, new.title)
        for old, new in zip(before, after, strict=True)
    )


def _emitted(events: Sequence[Event]) -> Sequence[Event]:
    """The events that are sections: all but an empty preamble."""
    return events if events[0].text else events[1:]


def _retexted(before: ParsedText, events: Sequence[Event]) -> tuple[Section, ...]:
    """The sections of a version whose headings are those of ``before`` (kinds, levels and titles, and whether
    the preamble has text): the same paths and levels, with the new texts."""
    return tuple(
        section if section.text == event.text else Section(section.path, section.level, event.text)
        for section, event in zip(before.sections, _emitted(events), strict=True)
    )


# --- second pass: levels and paths -------------------------------------------------------------------


def _assemble(events: Sequence[Event], known: Sequence[Section]) -> tuple[Section, ...]:
    """Sections from headings: levels of lead-ins and clauses, paths, duplicate titles numbered. A section equal
    to one of ``known`` (the previous version's) is that one: most are, and equal objects compare fastest."""
    by_path = {section.path: section for section in known}
    sections: list[Section] = []
    stack: list[tuple[int, tuple[str, ...], str]] = []  # the open headings: level, path, kind
    seen: set[tuple[str, ...]] = set()
    for event in events:
        kind = event.kind
        if kind == "preamble":
            path: tuple[str, ...] = (PREAMBLE,)
            level = 0
        else:
            level = event.level or _level_below(stack, "heading", *(("clause",) if kind == "lead-in" else ()))
            while stack and stack[-1][0] >= level:
                stack.pop()
            path = (*stack[-1][1], event.title) if stack else (event.title,)
            if path in seen:
                path = _unique_path(path[:-1], event.title, seen)
            seen.add(path)
            stack.append((level, path, kind))
        if event.text or level:
            same = by_path.get(path)
            if same is None or same.level != level or same.text != event.text:
                same = Section(path, level, event.text)
            sections.append(same)
            seen.add(path)  # the preamble too: a later heading titled "Preamble" gets "(2)"
    return tuple(sections)


def _unique_path(parent: tuple[str, ...], title: str, seen: set[tuple[str, ...]]) -> tuple[str, ...]:
    """The path of a heading under ``parent``, its title numbered " (2)", " (3)"... if already taken there."""
    path, count = (*parent, title), 1
    while path in seen:
        count += 1
        path = (*parent, f"{title} ({count})")
    return path


def _level_below(stack: list[tuple[int, tuple[str, ...], str]], *kinds: str) -> int:
    """One level below the nearest open heading of one of these kinds (1 when there is none)."""
    for level, _, kind in reversed(stack):
        if kind in kinds:
            return level + 1
    return 1
