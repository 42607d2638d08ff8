"""Split a policy's Markdown into sections: the text under each heading, up to the next one.

Headings are ATX (``## Title``, also inside a list item), setext (a paragraph underlined with ``===`` or
``---``), numbered clauses (``1. Title`` standing alone as a paragraph) and bold lead-ins (a paragraph or
list item starting with a short ``**bold run**``). Clauses sit one level below the nearest ATX/setext
heading; lead-ins one level below the nearest heading or clause, and are siblings of each other.

Titles are normalised: links and images become their text, emphasis, code marks, HTML tags, backslash
escapes and pilcrows are dropped, typographic quotes and dashes are folded, whitespace is collapsed, and
trailing ``.``/``:`` are removed ("**Cookies.**" and "## Cookies:" both give "Cookies"). Numbering is kept.
Duplicate titles under one parent get " (2)", " (3)"... A heading that is only a date phrase ("Last
updated: May 1, 2024") stays in its section's text, so a new date does not rename every path below it.

Two passes: the first finds the headings, visiting only the lines a heading rule could apply to; the second
gives lead-ins and clauses their levels and every section its path. A version split after the one it follows
(``previous``) is re-parsed only where the two texts differ, between headings that read the same whatever
comes before them (``_Event.anchor``); the last few versions are kept (``monitor.compare.text_regions``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from monitor.compare.text_regions import Recent, Region, differences
from monitor.compare.word_diff import fold_typography
from monitor.models import Section

PREAMBLE = "Preamble"
REFERENCE_HEADER_PREFIX = "> *The following text is extracted"
MAX_LEAD_IN_WORDS = 12

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Lines some heading rule could apply to (a superset): fences, the reference header, ATX headings and bold
# lead-ins (also in list items), numbered clauses. Every other line is text, or part of a setext heading.
# Patterns start after a line's "\n" (a literal that re scans for quickly, unlike a MULTILINE "^").
_CANDIDATE = re.compile(
    r"(?: {0,3}(?:`{3}|~{3})|[^\S\n]*>|[^\S\n]*(?:(?:[*+-]|\d{1,9}[.)])[^\S\n]+)?(?:#|\*\*|__)"
    r"| {0,3}\d{1,2}[.)][ \t]+[A-Z])"
)
_UNDERLINE_OR_FENCE = re.compile(r" {0,3}(?:=|-|`{3}|~{3})")
_MARKED_LINE = re.compile(f"(?:{_CANDIDATE.pattern}|{_UNDERLINE_OR_FENCE.pattern})")
# A look ahead at how a line starts (what every alternative needs) turns most lines down before the
# alternatives are tried: list items of plain text or links ("* [") among them.
_AFTER_NEWLINE = re.compile(
    r"\n(?=[^\S\n]*(?:[`~>#_=\-]|\*\*|[*+][^\S\n]+[#*_]|\d{1,9}[.)]))(?:" + _MARKED_LINE.pattern + ")"
)
# Line breaks that str.splitlines() knows besides "\n"; texts holding one are rejoined with "\n" first.
_OTHER_LINE_BREAKS = "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_ATX = re.compile(r"^ {0,3}(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)?(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
# Lines that start a block of their own, so cannot be (part of) a setext heading's text.
_NOT_PARAGRAPH = re.compile(r"^(?: {4,}|\t| {0,3}(?:>|#|[*+-](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|\||`{3}|~{3}))")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([*_-])(?:[ \t]*\1){2,}[ \t]*$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[*+-]|\d{1,9}[.)])[ \t]+")
_LEAD_IN = re.compile(
    r"(?P<prefix>[ \t]*(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)?)(?P<delim>\*\*|__)(?P<title>(?:(?!(?P=delim)).)+?)(?P=delim)"
    r"(?P<punct>[ \t]*[.:?!])?",
    re.DOTALL,
)
_NUMBERED_ITEM = re.compile(r"^[ \t]*\d{1,9}[.)][ \t]+")
_CLAUSE = re.compile(r"^ {0,3}(?P<number>\d{1,2}[.)])[ \t]+(?P<title>[A-Z].*?)[ \t]*$")

# Inline links (groups: text, target, title); escaped brackets are masked before it runs (see strip_links).
_LINK = re.compile(r"\[([^\[\]]*)\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)((?:[ \t]+\"[^\"\n]*\")?)[ \t]*\)")
_REFERENCE_LINK = re.compile(r"\[([^\[\]]*)\]\[[^\[\]\n]*\]")
AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]*)>")
HTML_TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:{_MONTH}\s+{_DAY},?\s+\d{{4}}|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}|{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})"
)
_DATE_KEYWORD = (
    r"(?:last\s+(?:updated|modified|revised|changed|amended|reviewed)|effective(?:\s+date)?|revised|updated|modified"
    r"|(?:version|revision|policy)\s+date|date\s+of\s+(?:last\s+)?(?:revision|update)|in\s+effect)"
)
# "Last updated: May 1, 2024", "Effective July 23, 2026", "Revised on 2024-05-01", ...
DATE_PHRASE = re.compile(
    rf"\b{_DATE_KEYWORD}\b[\s:,.\-]*(?:(?:on|as\s+of|from|since|at)\s+)?(?:[a-z]+day,?\s+)?{_DATE}(?!\w)", re.I
)
_TITLE_MARKUP = re.compile(r"[\[\]<>\\*_`~]")  # what the markup rules of clean_title look for
_DIGIT = re.compile(r"\d")  # every date phrase has one
_EMPHASIS = re.compile(r"(?<!\\)(?:\*+|~~|`+)|(?<![\\\w])_+|_+(?!\w)")
_ONLY_LINK = re.compile(r"^\s*!?\[.*\]\([^)]*\)\s*$", re.DOTALL)


def is_reference_header(line: str) -> bool:
    """Whether a line is the Princeton-Leuven "The following text is extracted..." header (not policy text)."""
    return REFERENCE_HEADER_PREFIX in line and line.lstrip().startswith(REFERENCE_HEADER_PREFIX)


def strip_links(text: str, target_mark: str | None = None) -> str:
    """Links and images as their text; with ``target_mark``, each followed by the mark and its target as one word.

    Link texts may span lines. Escaped brackets are masked first, so the pattern can start only at real
    brackets and scans stay short (unrolled alternatives made 290 KB policies take seconds).
    """
    if "[" not in text:
        return text
    text = text.replace("\\[", "\x01").replace("\\]", "\x02").replace("![", "[")

    def replace(match: re.Match[str]) -> str:
        if target_mark is None:
            return match.group(1)
        target = (match.group(2) + match.group(3)).replace(" ", target_mark)
        return f" {match.group(1)} {target_mark}{target} "

    text = _LINK.sub(replace, text)
    if "](" in text:  # an image inside a link
        text = _LINK.sub(replace, text)
    if "][" in text:
        text = _REFERENCE_LINK.sub(r"\1", text)
    return text.replace("\x01", "\\[").replace("\x02", "\\]")


def is_date_line(title: str) -> bool:
    """Whether a heading's title is only a "last updated / effective" date: kept as text, not a heading."""
    return _DIGIT.search(title) is not None and DATE_PHRASE.fullmatch(title.strip("()[] ")) is not None


def clean_title(raw: str) -> str:
    """A heading's text without Markdown markup, as used in section paths."""
    text = raw if raw.isascii() else fold_typography(raw).replace("¶", " ")
    if _TITLE_MARKUP.search(text):
        text = AUTOLINK.sub(r"\1", strip_links(text))
        text = HTML_TAG.sub(" ", text)
        text = ESCAPE.sub(r"\1", _EMPHASIS.sub("", text))
    return " ".join(text.split()).rstrip(" .:")


class _Event(NamedTuple):  # a tuple: many are made for every version
    """A heading found by the first pass, with its own text (up to the next heading)."""

    offset: int  # where the line its heading starts on starts (0 for the preamble)
    kind: str  # "preamble", "heading" (ATX or setext), "lead-in" or "clause"
    level: int  # a heading's level; lead-ins and clauses get theirs from the headings above them
    title: str
    text: str
    # How the text can be parsed from here on, whatever comes before: "atx" (an ATX heading line reads the same
    # anywhere), "blank" (a heading after an empty line, not the next line of a numbered-clause candidate, which
    # looks ahead), "" (it cannot).
    anchor: str = ""

    def shifted(self, chars: int) -> _Event:
        offset, kind, level, title, text, anchor = self
        return _Event(offset + chars, kind, level, title, text, anchor)


_Heading = tuple[int, str, int, str, str]  # an event but its text: offset, kind, level, title, anchor


@dataclass(frozen=True)
class _Parsed:
    markdown: str
    text: str  # what was parsed: the Markdown, its odd line breaks (if any) made "\n"
    events: tuple[_Event, ...]
    sections: tuple[Section, ...]

    @property
    def reusable(self) -> bool:
        """Whether a later version can be parsed where it differs only (offsets are the Markdown's own)."""
        return self.text is self.markdown


_RECENT: Recent[str, _Parsed] = Recent()


def split_sections(markdown: str, *, previous: str | None = None) -> tuple[Section, ...]:
    """The sections of a version in document order; text before the first heading is the "Preamble".

    ``previous``, a version this one probably shares most of its text with (the one it follows), only saves
    time: where the two texts agree its parse is reused. The result is the same.
    """
    return _parsed(markdown, previous).sections


def section_starts(markdown: str) -> tuple[int, ...]:
    """For each section of ``split_sections(markdown)``, the index of the line its heading starts on (0 for the
    preamble): section k spans lines ``starts[k]`` up to ``starts[k + 1]``."""
    parsed = _parsed(markdown, None)
    starts: list[int] = []
    line, at = 0, 0
    for event in _emitted(parsed.events):
        line += parsed.text.count("\n", at, event.offset)
        at = event.offset
        starts.append(line)
    return tuple(starts)


def clear_caches() -> None:
    """Forget the versions and heading lines kept from earlier calls."""
    _RECENT.clear()
    _atx_heading.cache_clear()
    _heading_title.cache_clear()


def _parsed(markdown: str, previous: str | None) -> _Parsed:
    found = _RECENT.get(markdown)
    if found is not None:
        return found
    before = _RECENT.get(previous) if previous is not None else None
    reused = _events_after(before, markdown) if before is not None else None
    if before is not None and reused is not None:
        events, same_outline = reused
        sections = _retexted(before, events) if same_outline else _assemble(events, before.sections)
        return _RECENT.put(markdown, _Parsed(markdown, markdown, tuple(events), sections))
    text = "\n".join(markdown.splitlines()) if _has_odd_breaks(markdown) else markdown
    events, _ = _events(text, 0, len(text), top=True)
    return _RECENT.put(markdown, _Parsed(markdown, text, tuple(events), _assemble(events, ())))


def _emitted(events: Sequence[_Event]) -> Sequence[_Event]:
    """The events that are sections: all but an empty preamble."""
    return events if events[0].text else events[1:]


def _retexted(before: _Parsed, events: list[_Event]) -> tuple[Section, ...]:
    """The sections of a version whose headings are those of ``before`` (kinds, levels and titles, and whether
    the preamble has text): the same paths and levels, with the new texts."""
    return tuple(
        section if section.text == event.text else Section(section.path, section.level, event.text)
        for section, event in zip(before.sections, _emitted(events), strict=True)
    )


def _has_odd_breaks(text: str) -> bool:
    return any(mark in text for mark in _OTHER_LINE_BREAKS)  # faster than a character class


# --- first pass: headings and their texts ------------------------------------------------------------
#
# Lines are not split out: a line is known by the offset where it starts, and read from the text when needed
# (most lines are only ever scanned by the regex that finds the ones a heading rule could apply to).


def _events(text: str, start: int, end: int, *, top: bool) -> tuple[list[_Event], str | None]:
    """The headings of the lines from offset ``start`` (a line's start) up to ``end`` (the line break ending the
    region, or the text's end), each with its text, and the fence left open at the end. Only the lines a heading
    rule could apply to are visited (found by one regex); the lines between them are taken whole. The region is
    the ``top`` of the text, with its preamble, or starts at an anchor (see ``_Event.anchor``)."""
    marked = _marked_lines(text, start, end)
    setext = _setext_headings(text, [at for at in marked if _UNDERLINE_OR_FENCE.match(text, at)])
    candidates = {at for at in marked if _CANDIDATE.match(text, at)}
    events: list[_Event] = []
    # The heading whose text is being gathered: it becomes an event, with its text, when the next one is found.
    open_heading: _Heading = (0, "preamble", 0, PREAMBLE, "")
    body: list[str] = []  # the text's pieces: runs of whole lines, and what a lead-in leaves of its line
    fence: str | None = None
    position = start  # where the first line not yet taken starts
    ended_block = True  # whether the line before ``position`` ended a block (so the next may start a paragraph)
    for at in sorted({*candidates, *setext}):
        if at < position:
            continue  # taken by a setext heading or a lead-in spanning lines
        if at > position:
            body.append(text[position : at - 1])
            above = text[text.rfind("\n", 0, at - 1) + 1 : at - 1]
            ended_block = not above or above.isspace()
        line_end = _line_end(text, at)
        line = text[at:line_end]
        block_start, ends_block = ended_block, not line or line.isspace()
        found: _Heading | None = None
        rest = ""  # the text after the heading on the lines it uses
        if fence is not None or _FENCE.match(line):
            fence = _track_fence(line, fence)
            body.append(line)
        elif REFERENCE_HEADER_PREFIX in line and is_reference_header(line):
            ends_block = True
        elif at in setext:
            level, title, underline = setext[at]
            found, ends_block = (at, "heading", level, title, _anchor(text, at)), True
            line_end = _line_end(text, underline)
        elif (atx := _atx_heading(line)) is not None:
            found, ends_block = (at, "heading", atx[0], atx[1], "atx"), True
        elif (block_start or _LIST_ITEM.match(line)) and (lead := _lead_in(text, at, line_end)) is not None:
            title, rest, line_end = lead
            found = (at, "lead-in", 0, title, _anchor(text, at))
            ends_block = not rest  # a bold line standing alone is a heading even without a blank after it
        elif block_start and (clause := _clause_title(text, at, line)) is not None:
            found = (at, "clause", 0, clause, "")
        else:
            body.append(line)
        if found is not None:
            if top or at > start:  # a region starting at a heading has no text before it
                events.append(_event(open_heading, body))
            open_heading, body = found, [rest] if rest else []
        position, ended_block = line_end + 1, ends_block
    if position <= end:
        body.append(text[position:end])
    events.append(_event(open_heading, body))
    return events, fence


def _event(heading: _Heading, body: list[str]) -> _Event:
    offset, kind, level, title, anchor = heading
    return _Event(offset, kind, level, title, "\n".join(body).strip(), anchor)


def _line_end(text: str, at: int) -> int:
    """Where the line starting at ``at`` ends: its line break, or the text's end."""
    end = text.find("\n", at)
    return len(text) if end == -1 else end


def _line_before(text: str, at: int) -> int:
    """Where the line before the one starting at ``at`` (> 0) starts."""
    return text.rfind("\n", 0, at - 1) + 1


def _blank(line: str) -> bool:
    """Whether a line is empty or only whitespace (without copying it, as ``strip`` would)."""
    return not line or line.isspace()


def _anchor(text: str, at: int) -> str:
    """ "blank" when a heading starting at ``at`` follows an empty line that does not end a numbered-clause
    candidate's look ahead (see ``_Event.anchor``), else ""."""
    if at == 0 or text[at - 2 : at - 1] not in ("\n", ""):
        return ""  # the first line, or the line before is not empty
    before = _line_before(text, at)  # the empty line
    while before > 0 and _blank(text[_line_before(text, before) : before - 1]):
        before = _line_before(text, before)
    if before == 0:
        return "blank"
    above = _line_before(text, before)
    return "" if _CLAUSE.match(text[above : before - 1]) else "blank"


def _marked_lines(text: str, start: int, end: int) -> list[int]:
    """Where every line from offset ``start`` up to ``end`` that starts like a heading candidate, a setext
    underline or a fence starts."""
    marked = [start] if _MARKED_LINE.match(text, start, end) else []
    marked += [match.start() + 1 for match in _AFTER_NEWLINE.finditer(text, start, end)]
    return marked


# --- second pass: levels and paths -------------------------------------------------------------------


def _assemble(events: list[_Event], known: Sequence[Section]) -> tuple[Section, ...]:
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


# --- reusing the parse of a previous version ---------------------------------------------------------


def _events_after(previous: _Parsed, markdown: str) -> tuple[list[_Event], bool] | None:
    """The headings of ``markdown``, re-parsed only around the places where it differs from ``previous``, and
    whether its outline is the same (see ``_same_outline``): each span re-parsed runs from the last anchor (see
    ``_Event.anchor``) before a changed region to the first one after it. The headings in between come from
    ``previous``, moved by the characters gained before them (None: nothing to reuse, or the re-parse did not
    fit)."""
    old, events = previous.markdown, previous.events
    if not previous.reusable:
        return None
    regions = differences(old, markdown)
    if any(_has_odd_breaks(markdown[region.new_start : region.new_end]) for region in regions):
        return None  # elsewhere the text is the previous version's, which has none
    spans = _spans(events, old, regions)
    if len(spans) == 1 and spans[0].head == 0 and spans[0].tail == len(events):
        return None
    result: list[_Event] = []
    kept, chars = 0, 0  # the first event not yet taken; characters gained before it
    same_outline = True
    for span in spans:
        result += _kept(events[kept : span.head], chars, markdown)
        start = events[span.head].offset + chars
        chars += sum(_gained(region) for region in span.regions)
        end = events[span.tail].offset - 1 + chars if span.tail < len(events) else len(markdown)
        middle, fence = _events(markdown, start, end, top=span.head == 0)
        if span.head and middle[0].offset != start:
            return None  # the heading the re-parse starts from is a heading no more
        if span.tail < len(events) and fence is not None:
            return None  # a fence left open changes how the rest reads
        result += middle
        same_outline = same_outline and _same_outline(events[span.head : span.tail], middle)
        kept = span.tail
    result += _kept(events[kept:], chars, markdown)
    return result, same_outline


def _gained(region: Region) -> int:
    return (region.new_end - region.new_start) - (region.old_end - region.old_start)


def _same_outline(before: Sequence[_Event], after: Sequence[_Event]) -> bool:
    """Whether re-parsed headings are the ones they replace (kinds, levels and titles, and whether a preamble
    has text): then every path and level stays as it was."""
    if len(before) != len(after) or (before[0].kind == "preamble" and bool(before[0].text) != bool(after[0].text)):
        return False
    return all(
        (old.kind, old.level, old.title) == (new.kind, new.level, new.title)
        for old, new in zip(before, after, strict=True)
    )


class _Span(NamedTuple):
    """Events of a previous version to parse again: from ``head`` up to (not including) ``tail``."""

    head: int
    tail: int
    regions: tuple[Region, ...]  # the changed regions inside


def _spans(events: Sequence[_Event], old: str, regions: Sequence[Region]) -> list[_Span]:
    """The spans to re-parse around the changed regions, in order (a region too close to the one before it
    joins that one's span)."""
    offsets = [event.offset for event in events]
    spans: list[_Span] = []
    previous_end = -1  # where the last region ends in the old text
    for region in regions:
        low = spans[-1].tail if spans else 1
        last = bisect_right(offsets, region.old_start) - 1
        head = next(
            (k for k in range(last, low - 1, -1) if _reads_alike_from(events[k], old, region.old_start, previous_end)),
            None,
        )
        after = bisect_left(offsets, region.old_end + 1, lo=(head or 0) + 1)
        tail = next((k for k in range(after, len(events)) if _read_alike_from(events[k], region.old_end)), len(events))
        if head is None and spans:
            spans[-1] = _Span(spans[-1].head, tail, (*spans[-1].regions, region))
        else:
            spans.append(_Span(head or 0, tail, (region,)))
        previous_end = region.old_end
    return spans


def _kept(events: Sequence[_Event], chars: int, markdown: str) -> list[_Event]:
    """Events kept after a re-parsed span (or from the top), moved by the characters gained before them. The
    first one's anchor is found again: the line before its empty line may have changed."""
    kept = [event.shifted(chars) for event in events] if chars else list(events)
    if kept and kept[0].anchor == "blank":
        kept[0] = kept[0]._replace(anchor=_anchor(markdown, kept[0].offset))
    return kept


def _reads_alike_from(event: _Event, old: str, start: int, previous_end: int) -> bool:
    """Whether the new text parses from this heading on as if alone, up to the change at ``start``: all before
    it is parsed alike (what lies between the change ending at ``previous_end`` and this one is unchanged,
    the empty line before it included), and so is an ATX heading's own line (no lead-in above reaches past
    it: a heading ends a paragraph)."""
    if event.anchor == "blank":
        return previous_end <= event.offset - 2 and event.offset <= start
    return event.anchor == "atx" and previous_end < event.offset and -1 < old.find("\n", event.offset) < start


def _read_alike_from(event: _Event, end: int) -> bool:
    """Whether the old text parsed from this heading on as if alone, with the line break before it (and before
    the empty line ahead of it, unless it is an ATX heading) in the unchanged text after a change ending at
    ``end``."""
    if event.anchor == "atx":
        return event.offset - 1 >= end
    return event.anchor == "blank" and event.offset - 2 >= end


def _track_fence(line: str, fence: str | None) -> str | None:
    """The open fence after ``line``: opened by a fence line, closed by a matching one."""
    match = _FENCE.match(line)
    if fence is None:
        return match.group(1) if match else None
    if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not line.strip(" `~"):
        return None
    return fence


@lru_cache(maxsize=4096)
def _atx_heading(line: str) -> tuple[int, str] | None:
    """(level, title) of an ATX heading line; kept, as versions of a policy repeat their headings."""
    match = _ATX.match(line)
    if match is None:
        return None
    title = _heading_title(match.group(2) or "")
    return (len(match.group(1)), title) if title else None


@lru_cache(maxsize=4096)
def _heading_title(raw: str) -> str:
    """A heading's clean title, or "" when it is none (empty, or only a date phrase)."""
    title = clean_title(raw)
    return "" if is_date_line(title) else title


def _setext_headings(text: str, marked: list[int]) -> dict[int, tuple[int, str, int]]:
    """Setext headings by where their first line starts: (level, title, where the underline starts); ``marked``
    holds every line that may be an underline or a fence."""
    found: dict[int, tuple[int, str, int]] = {}
    fence: str | None = None
    for underline in marked:
        line = text[underline : _line_end(text, underline)]
        if fence is not None or _FENCE.match(line):
            fence = _track_fence(line, fence)
            continue
        match = _SETEXT_UNDERLINE.match(line)
        if match is None or underline == 0:
            continue
        start = underline
        while start > 0 and _is_paragraph_text(text[(above := _line_before(text, start)) : start - 1]):
            start = above
        if start == underline:
            continue  # no paragraph above
        if start > 0:
            before = text[_line_before(text, start) : start - 1]
            if not _blank(before) and not _ATX.match(before):
                continue  # it continues a list item or another block
        title = _heading_title(text[start : underline - 1].replace("\n", " "))
        if title:
            found[start] = (1 if match.group(1)[0] == "=" else 2, title, underline)
    return found


def _is_paragraph_text(line: str) -> bool:
    return not _blank(line) and not _NOT_PARAGRAPH.match(line) and not _SETEXT_UNDERLINE.match(line)


def _lead_in(text: str, at: int, line_end: int) -> tuple[str, str, int] | None:
    """A bold lead-in starting on the line at ``at`` (ending at ``line_end``): (title, the text after it, where
    the last line it used ends)."""
    line = text[at:line_end]
    stripped = _LIST_ITEM.sub("", line, count=1).lstrip()
    if not stripped.startswith(("**", "__")) or _THEMATIC_BREAK.match(line):
        return None
    end, used = line_end, 1
    joined = line
    while _LEAD_IN.match(joined) is None and end < len(text) and used < 3:
        next_end = _line_end(text, end + 1)
        following = text[end + 1 : next_end]
        if _blank(following) or _ATX.match(following) or _FENCE.match(following):
            break  # the paragraph ends at an empty line; a heading or a fence interrupts it
        joined += "\n" + following
        end, used = next_end, used + 1
    match = _LEAD_IN.match(joined)
    if match is None or _ONLY_LINK.match(match.group("title")):
        return None
    title = clean_title(match.group("title") + (match.group("punct") or ""))
    rest = joined[match.end() :].lstrip()
    if not title or len(title.split()) > MAX_LEAD_IN_WORDS or is_date_line(title):
        return None
    ends_clause = match.group("punct") or match.group("title").rstrip()[-1] in ".:?!"
    if not ends_clause and rest[:1] and (rest[0].islower() or rest[0] in ",;)"):
        return None  # the bold run is part of a sentence, not a heading
    return title, rest, end


def _clause_title(text: str, at: int, line: str) -> str | None:
    """The title of a numbered clause heading (``1. Title`` alone between blank lines), if the line at ``at`` is
    one."""
    match = _CLAUSE.match(line)
    end = at + len(line)
    if match is None or (end < len(text) and not _blank(text[end + 1 : _line_end(text, end + 1)])):
        return None
    raw = match.group("title")
    if raw[-1] in ".,;:" or _ONLY_LINK.match(raw) or len(raw.split()) > MAX_LEAD_IN_WORDS:
        return None
    if _next_is_list_item(text, end) or _previous_is_numbered_item(text, at):
        return None  # an item of a loose list, not a clause
    return clean_title(f"{match.group('number')} {raw}")


def _next_is_list_item(text: str, end: int) -> bool:
    """Whether the nearest non-blank line after the one ending at ``end`` is a list item."""
    while end < len(text):
        start, end = end + 1, _line_end(text, end + 1)
        if not _blank(line := text[start:end]):
            return _LIST_ITEM.match(line) is not None
    return False


def _previous_is_numbered_item(text: str, at: int) -> bool:
    """Whether the nearest non-blank line before the one starting at ``at`` is a numbered list item."""
    while at > 0:
        end, at = at - 1, _line_before(text, at)
        if not _blank(line := text[at:end]):
            return _NUMBERED_ITEM.match(line) is not None
    return False
